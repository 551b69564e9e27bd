/** Where a command writes; tests capture it, the binary passes process streams. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal (progress lines, prompts). */
  readonly interactive: boolean;
  /** Reads one line from the user (confirmation prompts); undefined when there is no terminal. */
  readonly prompt?: ((question: string) => Promise<string>) | undefined;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: readonly string[], io: Io): Promise<number>;
}
