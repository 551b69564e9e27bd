/**
 * The process's output streams for the binary. A reader that goes away early (`sumgate audit
 * --json | head`) closes the pipe: writes after that fail with EPIPE, which would crash Node with
 * an unhandled 'error' event. sumgate stops writing to that stream and finishes its work, so the
 * exit code is still the real one.
 */
export interface StreamWriter {
  (text: string): void;
  /** Whether the reader closed the stream. */
  readonly closed: () => boolean;
}

export function pipeSafeWriter(stream: NodeJS.WritableStream): StreamWriter {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
      closed = true;
      return;
    }
    throw e;
  });
  const write = (text: string): void => {
    if (!closed) stream.write(text);
  };
  return Object.assign(write, { closed: () => closed });
}
