#!/usr/bin/env node
/**
 * [network] Install code v1 vs v2 on real packages: for the last N+1 stable versions of each package,
 * the quarantines (fingerprint differs from the preceding version's) under the v1 rule (only the files
 * named on a hook's command line, raw bytes: the core's installCodeV1.ts, kept for v1 log records) and v2
 * (the core's
 * inspectTarball: resolution, closure, node-gyp inputs, dependency names, normalised JavaScript),
 * what changed for each v2 quarantine, and the v2 fingerprinting time per tarball.
 * Run after `pnpm run build`: node e2e/bench/installCodeMeasure.mjs [N=10]. Skipped when SUMGATE_OFFLINE=1.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  inspectTarball,
  installCodeV1Fingerprint,
  parseManifest,
  readTarball,
} from '../../shared/core/dist/index.js';

if (process.env.SUMGATE_OFFLINE === '1') {
  console.log('skipped: SUMGATE_OFFLINE=1');
  process.exit(0);
}
const REGISTRY = process.env.SUMGATE_MEASURE_REGISTRY ?? 'https://registry.npmjs.org/';
const N = Number(process.argv[2] ?? 10);
const PACKAGES = [
  'esbuild',
  'sharp',
  '@swc/core',
  'core-js',
  'puppeteer',
  'prisma',
  '@parcel/watcher',
  'unrs-resolver',
  'bcrypt',
];

async function get(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** Tarballs are immutable (their integrity is checked), so they are kept on disk between runs. */
const CACHE = process.env.SUMGATE_MEASURE_CACHE ?? join(tmpdir(), 'sumgate-measure-tarballs');
mkdirSync(CACHE, { recursive: true });
async function tarballOf(dist) {
  const file = join(CACHE, createHash('sha256').update(dist.integrity).digest('hex'));
  try {
    return new Uint8Array(readFileSync(file));
  } catch {
    /* not cached yet */
  }
  const bytes = await get(dist.tarball);
  const got = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  if (got !== dist.integrity)
    throw new Error(`${dist.tarball}: integrity ${got}, expected ${dist.integrity}`);
  writeFileSync(file, bytes);
  return bytes;
}

function diff(a, b) {
  const out = [];
  const ah = new Map(a.hooks.map((h) => [h.hook, h.command]));
  const bh = new Map(b.hooks.map((h) => [h.hook, h.command]));
  for (const k of new Set([...ah.keys(), ...bh.keys()])) if (ah.get(k) !== bh.get(k)) out.push(`hook ${k}`);
  const af = new Map(a.files.map((f) => [f.path, f.normalized ?? f.sha256]));
  const bf = new Map(b.files.map((f) => [f.path, f.normalized ?? f.sha256]));
  for (const k of new Set([...af.keys(), ...bf.keys()]))
    if (af.get(k) !== bf.get(k)) out.push(`${!af.has(k) ? '+' : !bf.has(k) ? '-' : '~'}${k}`);
  const ad = (a.dependencies ?? []).join(',');
  const bd = (b.dependencies ?? []).join(',');
  if (ad !== bd)
    out.push(
      `dependencies ${(b.dependencies ?? [])
        .filter((d) => !(a.dependencies ?? []).includes(d))
        .map((d) => `+${d}`)
        .concat((a.dependencies ?? []).filter((d) => !(b.dependencies ?? []).includes(d)).map((d) => `-${d}`))
        .join(' ')}`,
    );
  if ((b.widened ?? []).length > 0) out.push(`widened(${b.widened.length})`);
  return out.slice(0, 8).join(' ');
}

let transitions = 0;
let q1 = 0;
let q2 = 0;
const times = [];
const ratios = [];
for (const name of PACKAGES) {
  const doc = JSON.parse(Buffer.from(await get(`${REGISTRY}${name.replace('/', '%2f')}`)).toString('utf8'));
  const versions = Object.keys(doc.versions)
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
    .sort((x, y) => {
      const a = x.split('.').map(Number);
      const b = y.split('.').map(Number);
      return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
    })
    .slice(-(N + 1));
  let prev;
  for (const v of versions) {
    const tgz = await tarballOf(doc.versions[v].dist);
    // v1 and v2 timed side by side on the same bytes, in alternating order (a paired ratio)
    const runV1 = () => {
      const all = readTarball(tgz, () => true);
      const tarball = { read: (p) => all.get(p) };
      return installCodeV1Fingerprint(parseManifest(tarball.read('package.json')), tarball.read);
    };
    let fp1;
    let result;
    let t1 = 0;
    let t2 = 0;
    for (const order of times.length % 2 === 0 ? ['v1', 'v2'] : ['v2', 'v1']) {
      const t0 = performance.now();
      if (order === 'v1') {
        fp1 = runV1();
        t1 = performance.now() - t0;
      } else {
        result = inspectTarball(tgz);
        t2 = performance.now() - t0;
      }
    }
    const { installCode } = result;
    times.push(t2);
    ratios.push(t2 / t1);
    if (prev !== undefined) {
      transitions++;
      // as decide.ts does: a version without install code is never quarantined
      const c1 = fp1 !== 'none' && fp1 !== prev.fp1;
      const c2 = installCode.fingerprint !== 'none' && installCode.fingerprint !== prev.code.fingerprint;
      if (c1) q1++;
      if (c2) q2++;
      if (c1 || c2)
        console.log(
          `${name} ${prev.v} -> ${v}: v1 ${c1 ? 'QUARANTINE' : 'pass'}, v2 ${c2 ? 'QUARANTINE' : 'pass'}${c2 ? `: ${diff(prev.code, installCode)}` : ''}`,
        );
      if (c2 && process.env.SUMGATE_MEASURE_VERBOSE === '1')
        for (const w of installCode.widened ?? [])
          console.log(`    widened: ${w.from} \`${w.expression}\` reaches ${w.reaches} (+${w.files} files)`);
    }
    prev = { v, fp1, code: installCode };
  }
}
times.sort((a, b) => a - b);
ratios.sort((a, b) => a - b);
console.log(`\n${transitions} transitions of ${PACKAGES.length} packages: quarantines v1 ${q1}, v2 ${q2}`);
console.log(
  `v2 fingerprinting per tarball: median ${times[times.length >> 1].toFixed(1)} ms, p90 ${times[Math.floor(times.length * 0.9)].toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms (${times.length} tarballs)`,
);
console.log(
  `v2 / v1 time on the same tarball (paired, v1 = gunzip + read every entry + hash the named files): median ${ratios[ratios.length >> 1].toFixed(2)}x, p90 ${ratios[Math.floor(ratios.length * 0.9)].toFixed(2)}x`,
);
