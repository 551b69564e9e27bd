/**
 * A real Verdaccio (harness/verdaccio.ts) that accepts publishes: one user, written to its
 * htpasswd before it starts (registration stays off), and `npm publish` of tarballs as that user. Everything
 * on 127.0.0.1; its only uplink is the given registry.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startVerdaccio } from '../harness/verdaccio.js';
import type { VerdaccioServer } from '../harness/verdaccio.js';

export interface PublishingRegistry {
  readonly verdaccio: VerdaccioServer;
  /** Base URL, ends with `/`. */
  readonly url: string;
  /** `npm publish <tarball>` as the registry's user; rejects with npm's output on failure. */
  publish(tarball: string): Promise<void>;
  close(): Promise<void>;
}

const USER = 'publisher';

export async function startPublishingRegistry(opts: {
  uplink: string;
  storageDir: string;
}): Promise<PublishingRegistry> {
  const password = randomBytes(12).toString('hex');
  mkdirSync(opts.storageDir, { recursive: true });
  const sha1 = createHash('sha1').update(password, 'utf8').digest('base64');
  writeFileSync(
    path.join(opts.storageDir, 'htpasswd'),
    `${USER}:{SHA}${sha1}:autocreated ${new Date().toISOString()}\n`,
  );
  const verdaccio = await startVerdaccio(opts);
  try {
    // HTTP basic auth (npm's `_auth`), which Verdaccio checks against its htpasswd.
    const basic = Buffer.from(`${USER}:${password}`).toString('base64');
    const userconfig = path.join(opts.storageDir, 'publisher.npmrc');
    const host = verdaccio.url.replace(/^https?:/, '');
    writeFileSync(userconfig, `registry=${verdaccio.url}\n${host}:_auth=${basic}\n`);
    return {
      verdaccio,
      url: verdaccio.url,
      publish: (tarball) => npmPublish(tarball, verdaccio.url, userconfig, opts.storageDir),
      close: () => verdaccio.close(),
    };
  } catch (e) {
    await verdaccio.close();
    throw e;
  }
}

function npmPublish(tarball: string, registry: string, userconfig: string, workDir: string): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: path.join(workDir, 'npm-home'),
    npm_config_userconfig: userconfig,
    npm_config_cache: path.join(workDir, 'npm-cache'),
    npm_config_registry: registry,
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(
      'npm',
      ['publish', tarball, '--registry', registry, '--access', 'public', '--provenance=false'],
      { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`npm publish ${path.basename(tarball)} failed (exit ${code}):\n${output}`)),
    );
  });
}
