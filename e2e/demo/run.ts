/**
 * The README's main job: a verified pnpm install of the sample project through the sumgate
 * pnpmfile, against an embedded local checksum log that ingests on demand from the npm registry,
 * then an upgrade to a version that adds an install script, which is quarantined. Cleans up after itself.
 *
 *   npm run demo
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFixtureRegistry } from '../harness/fixtureRegistry.js';
import { makeMarkerDir, markerInstallScript, markerRuns } from '../harness/markers.js';
import { makeTempDir, runPnpm } from '../harness/packageManagers.js';
import { installPnpmfile, startLog, writePolicy } from '../harness/sumgate.js';

const NPM = process.env.SUMGATE_DEMO_REGISTRY ?? 'https://registry.npmjs.org/';
const here = path.dirname(fileURLToPath(import.meta.url));
const sampleDir = path.resolve(here, existsSync(path.join(here, 'sample')) ? 'sample' : '../demo/sample');

const say = (line = '') => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const root = makeTempDir('sumgate-demo');
  const markers = makeMarkerDir();
  const closers: Array<() => Promise<void>> = [];
  try {
    say('sumgate demo: a verified pnpm install against a local checksum log\n');

    // A local registry for the @demo scope: 1.1.0 of @demo/greeter adds a postinstall.
    const post = markerInstallScript(markers, 'greeter-postinstall');
    const demoRegistry = await startFixtureRegistry({
      packages: [
        {
          name: '@demo/greeter',
          versions: [
            { version: '1.0.0', files: { 'index.js': 'module.exports = (n) => `hello ${n}`;\n' } },
            {
              version: '1.1.0',
              packageJson: { scripts: post.scripts },
              files: { 'index.js': 'module.exports = (n) => `hi ${n}`;\n', ...post.files },
            },
          ],
        },
      ],
    });
    closers.push(() => demoRegistry.close());

    const log = await startLog({ upstreams: [demoRegistry.url, NPM], origin: 'demo.sumgate.local/npm' });
    closers.push(async () => {
      await log.close();
      rmSync(path.dirname(log.dir), { recursive: true, force: true });
    });
    say(`1/4 checksum log on ${log.url} (origin demo.sumgate.local/npm)`);
    say(
      `    ingests unknown versions on demand from ${NPM} and the local @demo registry ${demoRegistry.url}`,
    );
    say(`    verifier key: ${log.vkey}`);

    const project = path.join(root, 'sample');
    cpSync(sampleDir, project, { recursive: true });
    writePolicy(project, {
      log,
      sources: [
        { name: 'demo', url: demoRegistry.url, scopes: ['@demo'] },
        { name: 'npmjs', url: NPM },
      ],
    });
    writeFileSync(path.join(project, '.npmrc'), `@demo:registry=${demoRegistry.url}\n`);
    installPnpmfile(project);
    const pnpm = (args: string[]) =>
      runPnpm(10, args, {
        cwd: project,
        registry: NPM,
        storeDir: path.join(root, 'store'),
        cacheDir: path.join(root, 'pnpm-cache'),
        env: { SUMGATE_CACHE_DIR: path.join(root, 'sumgate-cache') },
        timeoutMs: 300_000,
      });

    say(
      `\n2/4 pnpm install of the sample project (${path.relative(process.cwd(), sampleDir)}) through .pnpmfile.cjs`,
    );
    const install = await pnpm(['install']);
    const verified = [
      ...install.output.matchAll(/sumgate: (verified|approved|exempt) (\S+) from (\S+) \(([^)]*)\)/g),
    ];
    if (install.code !== 0) {
      say(install.output);
      say('demo failed: the install of the sample project did not succeed');
      return 1;
    }
    const bySource = new Map<string, number>();
    for (const m of verified) bySource.set(m[3]!, (bySource.get(m[3]!) ?? 0) + 1);
    for (const m of verified.slice(0, 6)) say(`    ${m[2]} from ${m[3]} (${m[4]})`);
    if (verified.length > 6) say(`    ... and ${verified.length - 6} more`);

    say('\n3/4 pnpm add @demo/greeter@1.1.0, a version that adds a postinstall script');
    const upgrade = await pnpm(['add', '@demo/greeter@1.1.0']);
    const refusal = /(\S+ is quarantined: [^\n]*)[\s\S]*?fix: ([^\n]*)/.exec(upgrade.output);
    const ran = markerRuns(markers, 'greeter-postinstall');
    const kept = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')).dependencies[
      '@demo/greeter'
    ];
    if (upgrade.code === 0 || refusal === null || ran !== 0) {
      say(upgrade.output);
      say('demo failed: the new install script was not stopped');
      return 1;
    }
    say(`    refused (exit ${upgrade.code}): ${refusal[1]}`);
    say(
      `    the postinstall did not run (its marker file was never written); package.json still wants ${kept}`,
    );

    const checkpoint = await (await fetch(`${log.url}checkpoint`)).text();
    say('\n4/4 summary');
    say(
      `    packages verified: ${verified.length} (each sha512 proven in the log, install-time code checked)`,
    );
    say(`    sources used: ${[...bySource].map(([s, n]) => `${s} ${n}`).join(', ')}`);
    say(`    log size: ${checkpoint.split('\n')[1]} records`);
    say(
      `    quarantined: @demo/greeter@1.1.0 (adds a postinstall); to allow exactly that version: ${refusal[2]}`,
    );
    say('\ndemo passed: everything was cleaned up');
    return 0;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    rmSync(root, { recursive: true, force: true });
    rmSync(markers, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`demo failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
