/**
 * Issue 10, end to end: every hostile archive shape (shared/core/test/inspect/hostileArchives.ts),
 * published as a package allowed to build whose hidden postinstall writes a marker, installed with
 * the real pnpm 10, pnpm 12 and Yarn 4. With sumgate, each install is refused (MALFORMED_TARBALL,
 * named package and entry) and the marker is absent, twice: through the log (which refuses to
 * record the version: the client reports LOG_ABSENT with the log's reason), and through a log that
 * recorded the versions with the lenient reader before this fix (install code "none"; the client's
 * own inspector refuses the bytes). Without sumgate, the same install is
 * run first as a control, to show which shapes are live attacks on which package manager (printed
 * at the end).
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_SHAPES } from '../../shared/core/test/inspect/hostileArchives.js';
import { makeMarkerDir, markerRuns, markerScript } from '../harness/markers.js';
import { makeTempDir } from '../harness/packageManagers.js';
import { startLog } from '../harness/sumgate.js';
import type { TestLog } from '../harness/sumgate.js';
import { installHostile, PACKAGE_MANAGERS } from './hostileInstalls.js';
import { startRawTarballRegistry } from './rawTarballRegistry.js';
import { startStaleLog } from './staleLog.js';
import type { RawTarballRegistry } from './rawTarballRegistry.js';

const markerDir = makeMarkerDir();
const nameOf = (id: string): string => `hostile-${id}`;
let registry: RawTarballRegistry;
let log: TestLog;
let staleLog: TestLog;
const roots: string[] = [];
/** shape id -> package manager -> what happened without and with sumgate. */
const outcomes = new Map<string, Map<string, string>>();
/** The refusal each package manager printed, one line per shape and package manager. */
const refusals: string[] = [];

beforeAll(async () => {
  const versions = HOSTILE_SHAPES.map((shape) => {
    const name = nameOf(shape.id);
    const benign = { name, version: '1.0.0' };
    const tgz = shape.build({
      benign: `${JSON.stringify(benign, null, 2)}\n`,
      hidden: `${JSON.stringify({ ...benign, scripts: { postinstall: 'node install.js' } }, null, 2)}\n`,
      installJs: markerScript(markerDir, shape.id),
    });
    return { name, version: '1.0.0', manifest: benign, tgz };
  });
  registry = await startRawTarballRegistry(versions);
  log = await startLog({ upstreams: [registry.url] });
  staleLog = await startStaleLog(versions);
});

afterAll(async () => {
  await Promise.all([registry?.close(), log?.close(), staleLog?.close()]);
  rmSync(markerDir, { recursive: true, force: true });
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  const pms = PACKAGE_MANAGERS.filter((pm) => [...outcomes.values()].some((m) => m.has(pm)));
  const lines = [
    `shape | ${pms.join(' | ')}`,
    ...[...outcomes].map(([id, m]) => `${id} | ${pms.map((pm) => m.get(pm) ?? '-').join(' | ')}`),
  ];
  console.log(
    `hostile tarballs, end to end (without sumgate -> with sumgate):\n${lines.join('\n')}\n\nrefusals as printed:\n${refusals.join('\n')}`,
  );
});

describe.each(PACKAGE_MANAGERS)('%s', (pm) => {
  it.each(HOSTILE_SHAPES.map((s) => [s.id, s] as const))(
    '%s: refused, the hidden postinstall never runs',
    async (id, shape) => {
      const pkg = nameOf(id);
      const root = makeTempDir('sumgate-tar');
      roots.push(root);
      rmSync(path.join(markerDir, `${id}.ran`), { force: true });

      const plain = await installHostile({ pm, root: path.join(root, 'plain'), pkg, registry: registry.url });
      const ranWithout = markerRuns(markerDir, id);
      rmSync(path.join(markerDir, `${id}.ran`), { force: true });

      const guarded = await installHostile({
        pm,
        root: path.join(root, 'sumgate'),
        pkg,
        registry: registry.url,
        sumgate: { log },
      });
      const client = await installHostile({
        pm,
        root: path.join(root, 'stale'),
        pkg,
        registry: registry.url,
        sumgate: { log: staleLog },
      });
      const without =
        ranWithout > 0
          ? 'postinstall RAN'
          : plain.code === 0
            ? 'installed, no run'
            : `failed (${plain.code})`;
      const said = (r: { code: number; output: string }, code: string): string =>
        r.code !== 0 && r.output.includes(code) ? code : `exit ${r.code}`;
      outcomes.set(
        id,
        (outcomes.get(id) ?? new Map<string, string>()).set(
          pm,
          `${without} -> log: ${said(guarded, 'LOG_ABSENT')}, client: ${said(client, 'MALFORMED_TARBALL')}`,
        ),
      );
      for (const [via, r] of [
        ['log', guarded],
        ['client', client],
      ] as const) {
        refusals.push(
          `${pm} ${id} (${via}): ${
            r.output
              .split('\n')
              .find((l) => l.includes('MALFORMED_TARBALL'))
              ?.trim() ?? '(no MALFORMED_TARBALL line)'
          }`,
        );
      }

      for (const r of [guarded, client]) {
        expect(r.code, r.output).not.toBe(0);
        expect(r.output).toContain('MALFORMED_TARBALL');
        expect(r.output).toContain(`${pkg}@1.0.0: malformed package tarball:`);
        expect(r.output).toMatch(shape.refusal);
        expect(existsSync(path.join(r.projectDir, 'node_modules', pkg, 'install.js'))).toBe(false);
      }
      expect(guarded.output).toContain(
        `${pkg}@1.0.0 is not in the checksum log (MALFORMED_TARBALL: ${pkg}@1.0.0: malformed package tarball:`,
      );
      expect(client.output).not.toContain('LOG_ABSENT');
      expect(markerRuns(markerDir, id)).toBe(0);
    },
  );
});
