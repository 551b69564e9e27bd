// Summarizes V8 .cpuprofile files (from `node --cpu-prof`): total sampled time, and self time grouped
// by function (name + file:line) and by source file, so two runs (say with and without a pnpmfile)
// can be compared line by line. The pieces cpuProfilePreload.cjs writes (piece.<pid>.<n>.cpuprofile)
// are summed per process.
//   node e2e/bench/cpuProfileSummary.mjs [--top 25] [--by file|function] <file.cpuprofile | dir> ...
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const top = Number(opt('--top', '25'));
const by = opt('--by', 'function');
const files = args.flatMap((a) =>
  statSync(a).isDirectory()
    ? readdirSync(a)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => path.join(a, f))
    : [a],
);
if (files.length === 0) {
  process.stderr.write(
    'usage: node cpuProfileSummary.mjs [--top N] [--by file|function] <file.cpuprofile | dir> ...\n',
  );
  process.exit(2);
}

/** Self time (ms) per key, and the profile's wall span and sampled (non-idle) time. */
function summarize(file) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (const [i, id] of prof.samples.entries())
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const groups = new Map();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const f = nodes.get(id).callFrame;
    if (f.functionName === '(idle)') continue;
    busy += us;
    const where = f.url === '' ? '' : `${path.basename(f.url)}${by === 'file' ? '' : `:${f.lineNumber + 1}`}`;
    const key = by === 'file' ? where || f.functionName : `${f.functionName || '(anonymous)'} ${where}`;
    groups.set(key, (groups.get(key) ?? 0) + us / 1000);
  }
  return { spanMs: (prof.endTime - prof.startTime) / 1000, busyMs: busy / 1000, groups };
}

/** One entry per profile; the pieces of one process (piece.<pid>.<n>) are merged into one. */
const processes = new Map();
for (const file of files) {
  const pid = /^piece\.(\d+)\.\d+\.cpuprofile$/.exec(path.basename(file))?.[1];
  const key = pid === undefined ? file : path.join(path.dirname(file), `piece.${pid}.*`);
  const s = summarize(file);
  const seen = processes.get(key);
  if (seen === undefined) processes.set(key, s);
  else {
    seen.spanMs += s.spanMs;
    seen.busyMs += s.busyMs;
    for (const [k, ms] of s.groups) seen.groups.set(k, (seen.groups.get(k) ?? 0) + ms);
  }
}

for (const [file, { spanMs, busyMs, groups }] of processes) {
  process.stdout.write(
    `\n${file}: span ${spanMs.toFixed(0)} ms, on CPU (sampled, not idle) ${busyMs.toFixed(0)} ms\n`,
  );
  for (const [key, ms] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`  ${ms.toFixed(1).padStart(8)} ms  ${key}\n`);
}
