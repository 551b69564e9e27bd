import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SumgateError } from '../errors.js';
import { lineColumn, stripJsonComments } from './jsonc.js';
import { POLICY_FILE_NAME } from './policy.js';
import type { Policy, SourcePolicy } from './policy.js';
import { validatePolicy } from './validatePolicy.js';

const ROOT_MARKERS = [POLICY_FILE_NAME, 'pnpm-workspace.yaml', 'pnpm-lock.yaml', 'yarn.lock', '.yarnrc.yml'];

/**
 * The workspace root: the nearest directory at or above `from` holding the policy file, a pnpm
 * workspace or lockfile, or a Yarn lockfile or rc file. (A pnpm 12 plugin lives in the store, so
 * callers pass `process.cwd()` or the lockfile dir, never `__dirname`.)
 */
export function findWorkspaceRoot(from: string): string {
  let dir = path.resolve(from);
  for (;;) {
    if (ROOT_MARKERS.some((m) => existsSync(path.join(dir, m)))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from);
    dir = parent;
  }
}

export interface LoadPolicyOptions {
  /** Where the package manager runs; the workspace root is found from here. */
  readonly cwd: string;
  /** An explicit policy path (Yarn's `sumgatePolicy` setting, the CLI's `--policy`). */
  readonly file?: string | undefined;
  /** Used when the policy names no sources: the package manager's own registry. */
  readonly defaultRegistry?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

export function policyPath(opts: LoadPolicyOptions): string {
  const env = opts.env ?? process.env;
  const explicit = opts.file ?? env.SUMGATE_POLICY;
  if (explicit !== undefined && explicit !== '') return path.resolve(opts.cwd, explicit);
  return path.join(findWorkspaceRoot(opts.cwd), POLICY_FILE_NAME);
}

/** Reads, parses and validates the policy once. A bad file fails naming the file, the key and what was expected. */
export function loadPolicy(opts: LoadPolicyOptions): Policy {
  const file = policyPath(opts);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SumgateError('POLICY_MISSING', `no sumgate policy at ${file}`, {
      fix: 'run `sumgate init` at the workspace root (or set SUMGATE_POLICY to the policy file)',
      data: { file },
      cause: e,
    });
  }
  return parsePolicyText(text, file, opts.defaultRegistry);
}

export function parsePolicyText(text: string, file: string, defaultRegistry?: string): Policy {
  const stripped = stripJsonComments(text);
  let doc: unknown;
  try {
    doc = JSON.parse(stripped);
  } catch (e) {
    const m = /position (\d+)/.exec(String(e));
    const where =
      m === null
        ? ''
        : (({ line, column }) => ` at line ${line}, column ${column}`)(lineColumn(text, Number(m[1])));
    throw new SumgateError('POLICY_INVALID', `${file}: not valid JSON${where}: ${(e as Error).message}`, {
      fix: `fix the syntax of ${file} (comments and trailing commas are allowed)`,
      data: { file },
    });
  }
  return validatePolicy(doc, file, { sources: defaultSources(defaultRegistry) });
}

function defaultSources(registry: string | undefined): SourcePolicy[] {
  const url = registry ?? 'https://registry.npmjs.org/';
  return [{ name: 'registry', url: url.endsWith('/') ? url : `${url}/`, scopes: undefined }];
}
