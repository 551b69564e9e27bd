// `node --require` this to CPU-profile a process that is killed rather than exiting (pnpm 12
// SIGKILLs its pnpmfile workers, so `--cpu-prof` never writes): the profile is cut every 250 ms
// and each piece written to $SUMGATE_CPU_PROF_DIR (cpuProfileSummary.mjs sums the pieces of a dir).
'use strict';
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const path = require('node:path');

const dir = process.env.SUMGATE_CPU_PROF_DIR;
if (dir !== undefined && dir !== '') {
  const session = new Session();
  session.connect();
  let piece = 0;
  const post = (method) => {
    let result;
    // A session on the main thread answers synchronously.
    session.post(method, (err, r) => {
      if (err) throw err;
      result = r;
    });
    return result;
  };
  post('Profiler.enable');
  post('Profiler.start');
  const cut = (restart) => {
    const { profile } = post('Profiler.stop');
    writeFileSync(
      path.join(dir, `piece.${process.pid}.${String(piece++).padStart(4, '0')}.cpuprofile`),
      JSON.stringify(profile),
    );
    if (restart) post('Profiler.start');
  };
  setInterval(() => cut(true), 250).unref();
  process.on('exit', () => cut(false));
}
