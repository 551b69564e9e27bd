import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { SumgateError } from '../errors.js';

const GIT_TIMEOUT_MS = 120_000;

/** The clone URL a git specifier names (`git+https://…#c`, `git+file://…`, `github:u/r`, `u/r`). */
export function gitCloneUrl(spec: string): string {
  const bare = spec.replace(/#.*$/, '');
  if (bare.startsWith('git+')) return bare.slice(4);
  const hosted = /^(github:)?([A-Za-z0-9][\w.-]*)\/([\w.-]+?)(\.git)?$/.exec(bare);
  if (hosted !== null && !bare.includes('://')) return `https://github.com/${hosted[2]}/${hosted[3]}.git`;
  return bare;
}

/**
 * The files of a git dependency at exactly one commit, as a gzipped tarball under `package/` (the
 * shape the inspector reads). It archives the commit's tree, so the bytes depend only on the
 * tree's content. The clone is made in a temporary directory and removed.
 */
export async function gitSnapshot(spec: string, commit: string, what: string): Promise<Buffer> {
  const url = gitCloneUrl(spec);
  const dir = mkdtempSync(path.join(tmpdir(), 'sumgate-git-'));
  try {
    await git(['clone', '--quiet', '--no-checkout', '--', url, dir], what);
    const tar = await git(
      ['-C', dir, 'archive', '--format=tar', '--prefix=package/', `${commit}^{tree}`],
      what,
    );
    return gzipSync(tar);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function git(args: string[], what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        encoding: 'buffer',
        timeout: GIT_TIMEOUT_MS,
        maxBuffer: 512 * 1024 * 1024,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      },
      (err, stdout, stderr) => {
        if (err === null) return resolve(stdout);
        reject(
          new SumgateError(
            'SOURCE_FAILED',
            `${what}: git ${args[0] === '-C' ? args[2] : args[0]} failed: ${stderr.toString('utf8').trim() || err.message}`,
            {
              pkg: what,
              fix: 'check that the repository and the pinned commit are reachable (git must be installed)',
            },
          ),
        );
      },
    );
  });
}
