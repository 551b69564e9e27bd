import type { Io } from './io.js';

/** One self-overwriting progress line on stderr, only when the user is at a terminal. */
export class Progress {
  private shown = false;

  constructor(private readonly io: Io) {}

  update(text: string): void {
    if (!this.io.interactive) return;
    this.io.stderr(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.io.stderr('\r\x1b[2K');
    this.shown = false;
  }
}
