/**
 * A real dependency tree from an npm registry, for the "no false refusals" check: starting from
 * well-known roots, resolves every dependency range to the highest matching version (breadth
 * first, like a fresh install), until `limit` distinct name@version are found. Then downloads each
 * tarball, checks it against dist.integrity, and runs the canonical reader and the inspector on it.
 */
import { createHash } from 'node:crypto';
import semver from 'semver';
import { inspectTarball } from '../../src/inspect/installCode.js';

export const TREE_ROOTS = [
  'webpack',
  'eslint',
  'typescript',
  '@babel/core',
  'jest',
  'next',
  'express',
  'vite',
  'rollup',
  'esbuild',
  'react',
  'react-dom',
  'lodash',
  'axios',
  'prettier',
  'mocha',
  'sass',
  'sharp',
  'puppeteer',
  'aws-sdk',
  '@angular/core',
  'vue',
  'svelte',
  'tailwindcss',
  'postcss',
  'node-gyp',
  'bcrypt',
  'sqlite3',
  'electron',
  'moment',
  'react-scripts',
  'gatsby',
  '@nestjs/core',
  'firebase',
  'googleapis',
  'webpack-dev-server',
  'karma',
  'gulp',
  'nodemon',
  'pm2',
  'socket.io',
  'mongoose',
  'sequelize',
  'typeorm',
  'graphql',
  'ts-node',
  'nx',
  'lerna',
  '@aws-sdk/client-s3',
  'canvas',
];

export interface TreeVersion {
  readonly name: string;
  readonly version: string;
  readonly tarball: string;
  readonly integrity: string;
}

type Packument = {
  versions?: Record<
    string,
    { dist?: { tarball?: string; integrity?: string }; dependencies?: Record<string, string> }
  >;
  'dist-tags'?: Record<string, string>;
};

async function getJson(url: string): Promise<Packument | undefined> {
  const res = await fetch(url, { headers: { accept: 'application/vnd.npm.install-v1+json' } });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as Packument;
}

export async function resolveTree(registry: string, limit: number, concurrency = 8): Promise<TreeVersion[]> {
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  const packuments = new Map<string, Promise<Packument | undefined>>();
  const packument = (name: string): Promise<Packument | undefined> => {
    let p = packuments.get(name);
    if (p === undefined) {
      p = getJson(`${base}${name.replace('/', '%2f')}`).catch(() => undefined);
      packuments.set(name, p);
    }
    return p;
  };
  const found = new Map<string, TreeVersion>();
  let queue: Array<[string, string]> = TREE_ROOTS.map((n) => [n, 'latest']);
  while (queue.length > 0 && found.size < limit) {
    const next: Array<[string, string]> = [];
    for (let i = 0; i < queue.length && found.size < limit; i += concurrency) {
      const batch = queue.slice(i, i + concurrency);
      const resolved = await Promise.all(
        batch.map(async ([name, range]) => {
          const doc = await packument(name);
          const versions = Object.keys(doc?.versions ?? {});
          const version =
            range === 'latest'
              ? doc?.['dist-tags']?.['latest']
              : (semver.maxSatisfying(versions, range) ?? undefined);
          const meta = version === undefined ? undefined : doc?.versions?.[version];
          return meta === undefined || version === undefined ? undefined : { name, version, meta };
        }),
      );
      for (const r of resolved) {
        if (r === undefined || found.size >= limit) continue;
        const key = `${r.name}@${r.version}`;
        if (found.has(key) || r.meta.dist?.tarball === undefined || r.meta.dist.integrity === undefined)
          continue;
        found.set(key, {
          name: r.name,
          version: r.version,
          tarball: r.meta.dist.tarball,
          integrity: r.meta.dist.integrity,
        });
        for (const [dep, range] of Object.entries(r.meta.dependencies ?? {})) {
          if (!range.startsWith('npm:') && !/^(git|http|file|link|workspace)/.test(range))
            next.push([dep, range]);
        }
      }
    }
    queue = next;
  }
  return [...found.values()];
}

export interface TreeCheck {
  readonly checked: number;
  readonly withInstallCode: number;
  readonly refused: Array<{ pkg: string; reason: string }>;
  readonly unavailable: Array<{ pkg: string; reason: string }>;
}

/** Downloads and reads every tarball; a refusal by the reader is a false refusal. */
export async function checkTree(tree: readonly TreeVersion[], concurrency = 8): Promise<TreeCheck> {
  let checked = 0;
  let withInstallCode = 0;
  const refused: Array<{ pkg: string; reason: string }> = [];
  const unavailable: Array<{ pkg: string; reason: string }> = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tree.length) {
      const v = tree[next++]!;
      const pkg = `${v.name}@${v.version}`;
      let tgz: Uint8Array;
      try {
        const res = await fetch(v.tarball);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        tgz = new Uint8Array(await res.arrayBuffer());
      } catch (e) {
        unavailable.push({ pkg, reason: (e as Error).message });
        continue;
      }
      const [algo, digest] = v.integrity.split('-', 2) as [string, string];
      if (createHash(algo).update(tgz).digest('base64') !== digest) {
        unavailable.push({ pkg, reason: 'bytes do not match dist.integrity' });
        continue;
      }
      try {
        if (inspectTarball(tgz, { pkg }).installCode.hooks.length > 0) withInstallCode++;
        checked++;
      } catch (e) {
        refused.push({ pkg, reason: (e as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { checked, withInstallCode, refused, unavailable };
}
