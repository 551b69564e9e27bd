import { main } from '../src/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function runCli(
  argv: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; answers?: string[] } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const answers = [...(opts.answers ?? [])];
  const code = await main(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    cwd: opts.cwd ?? process.cwd(),
    env: opts.env ?? process.env,
    interactive: opts.answers !== undefined,
    prompt:
      opts.answers === undefined
        ? undefined
        : async (q) => {
            stdout += q;
            return answers.shift() ?? '';
          },
  });
  return { code, stdout, stderr };
}
