/**
 * A fixture registry and a real checksum log on 127.0.0.1 for the CLI tests, plus writers for
 * projects (policy with comments, pnpm-lock.yaml, package-lock.json, yarn.lock) that pin them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startFixtureRegistry } from '../../../e2e/harness/fixtureRegistry.js';
import type { FixturePackage, FixtureRegistry } from '../../../e2e/harness/fixtureRegistry.js';
import { startLog } from '../../../e2e/harness/sumgate.js';
import type { TestLog } from '../../../e2e/harness/sumgate.js';

export const INSTALL_V1 =
  "const fs = require('fs');\nconsole.log('building');\nfs.writeFileSync('built.txt', 'ok');\n";
export const INSTALL_V2 =
  "const fs = require('fs');\nconsole.log('building');\nrequire('http').get('http://example.invalid/x');\nfs.writeFileSync('built.txt', 'ok');\n";

export function packages(): FixturePackage[] {
  const post = { scripts: { postinstall: 'node install.js' } };
  return [
    { name: 'plain', versions: [{ version: '1.0.0', files: { 'index.js': 'module.exports = 1;\n' } }] },
    { name: '@scope/lib', versions: [{ version: '1.0.0' }] },
    {
      name: 'adds-script',
      versions: [
        { version: '1.0.0' },
        { version: '1.1.0', packageJson: post, files: { 'install.js': INSTALL_V1 } },
      ],
    },
    {
      name: 'loads-plugins',
      versions: [
        {
          version: '1.0.0',
          packageJson: post,
          files: {
            'install.js': 'require("./plugins/" + process.argv[2]);\n',
            'plugins/a.js': 'a();\n',
            'other.js': 'o();\n',
          },
        },
      ],
    },
    {
      name: 'changes-script',
      versions: [
        { version: '1.0.0', packageJson: post, files: { 'install.js': INSTALL_V1 } },
        { version: '1.1.0', packageJson: post, files: { 'install.js': INSTALL_V2 } },
      ],
    },
  ];
}

/** What tests read of the world. */
export type WorldView = Omit<World, 'close'>;

export interface World {
  registry: FixtureRegistry;
  log: TestLog;
  close(): Promise<void>;
}

/**
 * The world for one test file: started before its first test, closed (with every temp dir) after
 * its last. Its fields are readable inside tests.
 */
export function useWorld(): WorldView {
  let world: World | undefined;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
    removeTempDirs();
  });
  const ready = (): World => {
    if (world === undefined) throw new Error('the CLI test world is only there inside tests');
    return world;
  };
  return {
    get registry() {
      return ready().registry;
    },
    get log() {
      return ready().log;
    },
  };
}

export async function startWorld(): Promise<World> {
  const registry = await startFixtureRegistry({ packages: packages() });
  const log = await startLog({ upstreams: [registry.url] });
  return {
    registry,
    log,
    close: async () => {
      await Promise.all([registry.close(), log.close()]);
      rmSync(path.dirname(log.dir), { recursive: true, force: true });
    },
  };
}

const created: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `sumgate-cli-${prefix}-`));
  created.push(dir);
  return dir;
}

/** Removes every directory tempDir made in this test file. */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** An environment with nothing from the developer's machine: fresh HOME and sumgate cache. */
export function cleanEnv(root: string): NodeJS.ProcessEnv {
  const home = path.join(root, 'home');
  mkdirSync(home, { recursive: true });
  return {
    PATH: process.env.PATH,
    HOME: home,
    SUMGATE_CACHE_DIR: path.join(root, 'cache'),
    TMPDIR: os.tmpdir(),
  };
}

/** A policy with comments in several places, as people write them. */
export function commentedPolicy(world: WorldView, extra = ''): string {
  return `// team policy: reviewed by security
{
  // enforce everywhere
  "mode": "enforce",
  "sources": [
    { "name": "fixture", "url": "${world.registry.url}" } // the only registry
  ],
  /* the log and its pinned key */
  "log": { "url": "${world.log.url}", "vkeys": ["${world.log.vkey}"] },${extra}
  "quarantine": true // keep this on
}
`;
}

export type Pin = readonly [name: string, version: string];

export function pnpmLock(
  world: WorldView,
  pins: readonly Pin[],
  integrityOf = (n: string, v: string) => world.registry.integrityOf(n, v),
): string {
  const key = (n: string, v: string) => (n.startsWith('@') ? `'${n}@${v}'` : `${n}@${v}`);
  return `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
${pins.map(([n, v]) => `      ${n.startsWith('@') ? `'${n}'` : n}:\n        specifier: ${v}\n        version: ${v}`).join('\n')}

packages:

${pins.map(([n, v]) => `  ${key(n, v)}:\n    resolution: {integrity: ${integrityOf(n, v)}}\n`).join('\n')}
snapshots:

${pins.map(([n, v]) => `  ${key(n, v)}: {}`).join('\n\n')}
`;
}

export function packageLock(world: WorldView, pins: readonly Pin[]): string {
  const packagesMap: Record<string, unknown> = {
    '': { name: 'p', version: '1.0.0', dependencies: Object.fromEntries(pins) },
  };
  for (const [n, v] of pins) {
    packagesMap[`node_modules/${n}`] = {
      version: v,
      resolved: world.registry.tarballUrlOf(n, v),
      integrity: world.registry.integrityOf(n, v),
    };
  }
  return `${JSON.stringify({ name: 'p', version: '1.0.0', lockfileVersion: 3, requires: true, packages: packagesMap }, null, 2)}\n`;
}

export function yarnBerryLock(pins: readonly Pin[]): string {
  const entries = pins.map(
    ([n, v]) =>
      `"${n}@npm:${v}":\n  version: ${v}\n  resolution: "${n}@npm:${v}"\n  checksum: 10c0/${'ab'.repeat(64)}\n  languageName: node\n  linkType: hard\n`,
  );
  return `# This file is generated by running "yarn install" inside your project.\n\n__metadata:\n  version: 8\n  cacheKey: 10c0\n\n${entries.join('\n')}\n"p@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "p@workspace:."\n  languageName: unknown\n  linkType: soft\n`;
}

/** A project directory with the commented policy and the given files. */
export function writeProject(
  world: WorldView,
  files: Record<string, string>,
  policy = commentedPolicy(world),
): { dir: string; env: NodeJS.ProcessEnv } {
  const root = tempDir('project');
  const dir = path.join(root, 'repo');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'package.json'), '{ "name": "p", "version": "1.0.0", "private": true }\n');
  writeFileSync(path.join(dir, 'sumgate.jsonc'), policy);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return { dir, env: cleanEnv(root) };
}
