/**
 * sumgate pieces for end-to-end tests: the project's own checksum log server on 127.0.0.1 (real
 * HTTP, real files), the policy file, and the plugin bundles as users get them.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMPTY_TREE_HASH, formatCheckpoint, parseSignerKey, signNote } from '@sumgate/core';
import { initLog, serveLog } from '@sumgate/log';
import { makeTempDir } from './packageManagers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface TestLog {
  readonly url: string;
  readonly vkey: string;
  readonly dir: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A fresh log (new key) ingesting on demand from `upstreams`; `keyFrom` reuses another log's key (a fork). */
export async function startLog(opts: {
  upstreams: string[];
  origin?: string;
  port?: number;
  keyFrom?: string;
}): Promise<TestLog> {
  const dir = path.join(makeTempDir('sumgate-log'), 'log');
  if (opts.keyFrom === undefined) {
    await initLog({ dir, origin: opts.origin ?? 'sumgate.test/npm' });
  } else {
    // Another history under the same key: what a compromised or misbehaving log operator can do.
    mkdirSync(dir, { recursive: true });
    for (const f of ['log.json', 'log.skey', 'log.vkey'])
      copyFileSync(path.join(opts.keyFrom, f), path.join(dir, f));
    const { origin } = JSON.parse(readFileSync(path.join(dir, 'log.json'), 'utf8')) as { origin: string };
    const signer = parseSignerKey(readFileSync(path.join(dir, 'log.skey'), 'utf8').trim());
    writeFileSync(
      path.join(dir, 'checkpoint'),
      signNote(formatCheckpoint({ origin, size: 0, root: EMPTY_TREE_HASH, extensions: [] }), [signer]),
    );
  }
  const server = await serveLog({ dir, port: opts.port ?? 0, upstreams: opts.upstreams });
  const url = server.url.endsWith('/') ? server.url : `${server.url}/`;
  return { url, vkey: server.vkey, dir, port: Number(new URL(url).port), close: () => server.close() };
}

export interface PolicyOptions {
  readonly log?: { url: string; vkey: string } | undefined;
  readonly sources?: Array<{ name: string; url: string; scopes?: string[] }>;
  readonly [key: string]: unknown;
}

/** Writes `sumgate.jsonc` at the project root. */
export function writePolicy(projectDir: string, opts: PolicyOptions): string {
  const { log, ...rest } = opts;
  const doc = { ...rest, ...(log === undefined ? {} : { log: { url: log.url, vkeys: [log.vkey] } }) };
  const file = path.join(projectDir, 'sumgate.jsonc');
  mkdirSync(projectDir, { recursive: true });
  writeFileSync(file, `// sumgate policy written by an e2e test\n${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

/** The drop-in `.pnpmfile.cjs` users copy, from the built plugin. */
export function pnpmfileBundle(): string {
  const file = path.join(repoRoot, 'plugins/pnpm/pnpmfile.cjs');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm run build\` first`);
  return file;
}

export function installPnpmfile(projectDir: string): void {
  copyFileSync(pnpmfileBundle(), path.join(projectDir, '.pnpmfile.cjs'));
}

/**
 * What a misbehaving log operator can do: stop `own` and serve, at the same URL with the same key,
 * another history, in which `first` (name@version pairs) are logged before anything else.
 */
export async function startForkedLog(
  own: TestLog,
  upstreams: string[],
  first: ReadonlyArray<readonly [string, string]>,
): Promise<TestLog> {
  await own.close();
  const forked = await startLog({ upstreams, keyFrom: own.dir, port: own.port });
  for (const [name, version] of first) {
    const res = await fetch(`${forked.url}lookup/${name}@${version}`);
    if (res.status !== 200)
      throw new Error(`the forked log could not ingest ${name}@${version}: HTTP ${res.status}`);
  }
  return forked;
}

/** The evidence a SECURITY_LOG_FORK leaves in the sumgate cache: one folder with both checkpoints and the failed proof. */
export function forkEvidence(sumgateCache: string): string[][] {
  const root = path.join(sumgateCache, 'evidence');
  return readdirSync(root).map((d) => readdirSync(path.join(root, d)).sort());
}
