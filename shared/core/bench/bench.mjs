// Core benchmark (run after `pnpm run build`): node shared/core/bench/bench.mjs
// Prints figures measured side by side in one run; nothing here is asserted.
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import {
  checkInclusion,
  inspectTarball,
  MemoryTree,
  proveInclusion,
  recordHash,
  sha512Sri,
  TileHashReader,
  tileBytesFromTree,
  tilesForSize,
  tilePath,
  treeHash,
} from '../dist/index.js';

const N = Number(process.env.BENCH_LEAVES ?? 1_000_000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

// 1. Inclusion proofs verified per second from cached tiles.
{
  let t0 = process.hrtime.bigint();
  const tree = new MemoryTree();
  for (let i = 0; i < N; i++)
    tree.append(recordHash(Buffer.from(`npm pkg-${i} 1.0.0 sha512-x\ninstall none\n`)));
  const buildMs = ms(t0);
  const tiles = new Map();
  for (const t of tilesForSize(N)) tiles.set(tilePath(t), tileBytesFromTree(t, tree.read));
  const reader = new TileHashReader(N, (t) => tiles.get(tilePath(t)));
  const root = treeHash(N, reader.read);
  const proofs = 20_000;
  t0 = process.hrtime.bigint();
  for (let k = 0; k < proofs; k++) {
    const index = (k * 7919) % N;
    const leaf = reader.read(0, index);
    checkInclusion(proveInclusion(index, N, reader.read), N, root, index, leaf);
  }
  const proveVerify = proofs / (ms(t0) / 1000);
  const sample = Array.from({ length: 2000 }, (_, k) => (k * 104729) % N).map((i) => [
    i,
    proveInclusion(i, N, reader.read),
    reader.read(0, i),
  ]);
  t0 = process.hrtime.bigint();
  for (let r = 0; r < 10; r++) for (const [i, p, leaf] of sample) checkInclusion(p, N, root, i, leaf);
  const verifyOnly = (sample.length * 10) / (ms(t0) / 1000);
  console.log(
    `tree of ${N.toLocaleString()} leaves built in ${buildMs.toFixed(0)} ms; ${tiles.size} tiles cached`,
  );
  console.log(
    `inclusion proofs from cached tiles, computed + verified: ${Math.round(proveVerify).toLocaleString()}/s`,
  );
  console.log(
    `inclusion proofs verified (proof in hand, ${sample[0][1].length} hashes): ${Math.round(verifyOnly).toLocaleString()}/s`,
  );
}

// 2. sha512 throughput: the SRI path vs raw node:crypto vs @noble/hashes, same bytes.
{
  const chunks = Array.from({ length: 64 }, () => randomBytes(1 << 20));
  const total = chunks.length;
  const run = (f) => {
    const times = [];
    for (let r = 0; r < 5; r++) {
      const t0 = process.hrtime.bigint();
      for (const c of chunks) f(c);
      times.push(ms(t0));
    }
    return total / (median(times) / 1000);
  };
  const raw = run((c) => createHash('sha512').update(c).digest());
  const sri = run((c) => sha512Sri(c));
  const noble = run((c) => nobleSha512(c));
  console.log(
    `sha512 MiB/s: raw node:crypto ${raw.toFixed(0)}, SRI path ${sri.toFixed(0)} (${(sri / raw).toFixed(3)}x raw), @noble/hashes ${noble.toFixed(0)} (${(noble / raw).toFixed(3)}x raw)`,
  );
}

// 3. Fingerprinting a 5 MB tarball (gunzip + tar index + package.json + hook files).
{
  const files = {
    'package/package.json': JSON.stringify({
      name: 'big',
      version: '1.0.0',
      scripts: { postinstall: 'node install.js' },
    }),
    'package/install.js': 'console.log(1)\n',
  };
  for (let i = 0; i < 50; i++) files[`package/lib/blob-${i}.bin`] = randomBytes(100_000);
  const tgz = gzipSync(tar(files));
  const times = [];
  for (let r = 0; r < 20; r++) {
    const t0 = process.hrtime.bigint();
    inspectTarball(tgz);
    times.push(ms(t0));
  }
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < 20; r++) createHash('sha512').update(tgz).digest();
  console.log(
    `fingerprint a ${(tgz.length / 1e6).toFixed(1)} MB tarball: median ${median(times).toFixed(1)} ms (its sha512: ${(ms(t0) / 20).toFixed(1)} ms)`,
  );
}

/** A minimal ustar writer for the benchmark's input. */
function tar(files) {
  const blocks = [];
  for (const [name, content] of Object.entries(files)) {
    const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const h = Buffer.alloc(512);
    h.write(name, 0, 100);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
