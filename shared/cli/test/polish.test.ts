import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callerDir } from '../src/callerDir.js';
import { findBundle } from '../src/init/bundles.js';
import { projectSchemaPath } from '../src/init/schemaPath.js';
import { pipeSafeWriter } from '../src/stdio.js';
import { PassThrough } from 'node:stream';
import { removeTempDirs, tempDir } from './cliFixtures.js';
import { runCli } from './runCli.js';

afterAll(removeTempDirs);

describe('the directory sumgate acts on', () => {
  const script = { npm_lifecycle_event: 'sumgate', npm_package_json: '/checkout/package.json' };
  it('is INIT_CWD when a package manager ran the script in its package directory', () => {
    expect(callerDir({ ...script, INIT_CWD: '/work/app' }, '/checkout')).toBe('/work/app');
  });
  it('is the process directory without a script, without INIT_CWD, or when the script changed directory', () => {
    expect(callerDir({ INIT_CWD: '/work/app' }, '/checkout')).toBe('/checkout');
    expect(callerDir({ ...script }, '/checkout')).toBe('/checkout');
    expect(callerDir({ ...script, INIT_CWD: '/work/app' }, '/checkout/sub')).toBe('/checkout/sub');
  });
  it('is INIT_CWD when the package manager does not say which package.json ran the script', () => {
    expect(callerDir({ npm_lifecycle_event: 'sumgate', INIT_CWD: '/work/app' }, '/checkout')).toBe(
      '/work/app',
    );
  });
});

describe('--help', () => {
  it('shows examples for sumgate and for each command', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('examples:');
    expect(top.stdout).toMatch(/^ {2}sumgate init --log-url \S+ --log-vkey /m);
    expect(top.stdout).toMatch(/^ {2}sumgate audit /m);
    for (const [command, example] of [
      ['init', /^ {2}sumgate init --log-url https:\/\/\S+ --log-vkey /m],
      ['audit', /^ {2}sumgate audit --json \| /m],
      ['approve', /^ {2}sumgate approve \S+@\S+ --yes --note /m],
      ['explain', /^ {2}sumgate explain \S+@\S+/m],
      ['proxy', /^ {2}npm config set registry http:\/\/127\.0\.0\.1:4880\/$/m],
    ] as const) {
      const r = await runCli([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout, command).toMatch(/^examples:$/m);
      expect(r.stdout, command).toMatch(example);
    }
    const proof = await runCli(['proof', 'verify', '--help']);
    expect(proof.stdout).toMatch(/^example:\n {2}sumgate proof verify --vkey /m);
  });

  it('--version prints the package.json version', async () => {
    const r = await runCli(['--version']);
    const { version } = (await import('../package.json', { with: { type: 'json' } })).default;
    expect(r.stdout).toBe(`sumgate ${version}\n`);
  });
});

describe('what an installed CLI finds in a project', () => {
  it('the JSON Schema: the installed CLI first, then the pnpm config dependency, then @sumgate/core; none: no $schema', () => {
    const root = tempDir('schema');
    expect(projectSchemaPath(root)).toBeUndefined();
    for (const rel of [
      'node_modules/@sumgate/core',
      'node_modules/.pnpm-config/pnpm-plugin-sumgate',
      'node_modules/sumgate/dist',
    ]) {
      mkdirSync(path.join(root, rel), { recursive: true });
      writeFileSync(path.join(root, rel, 'policy.schema.json'), '{}');
      expect(projectSchemaPath(root)).toBe(`./${rel}/policy.schema.json`);
    }
  });

  it("the plugin bundles shipped in the CLI's dist/plugins/ when it is not in a checkout", () => {
    const root = tempDir('bundles');
    const dist = path.join(root, 'project/node_modules/sumgate/dist');
    mkdirSync(path.join(dist, 'plugins'), { recursive: true });
    writeFileSync(path.join(dist, 'plugins/pnpmfile.cjs'), '');
    writeFileSync(path.join(dist, 'plugins/plugin-sumgate.js'), '');
    expect(findBundle('pnpm', path.join(root, 'project'), dist).file).toBe(
      path.join(dist, 'plugins/pnpmfile.cjs'),
    );
    expect(findBundle('yarn', path.join(root, 'project'), dist).file).toBe(
      path.join(dist, 'plugins/plugin-sumgate.js'),
    );
    const elsewhere = findBundle('pnpm', path.join(root, 'project'), path.join(root, 'nothing/here'));
    expect(elsewhere.file).toBeUndefined();
    expect(elsewhere.looked).toContain(path.join(root, 'nothing/here/plugins/pnpmfile.cjs'));
  });
});

describe('output to a reader that went away', () => {
  it('stops writing after EPIPE instead of throwing', () => {
    const stream = new PassThrough();
    const writes: string[] = [];
    stream.on('data', (c: Buffer) => writes.push(c.toString()));
    const write = pipeSafeWriter(stream);
    write('one\n');
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(write.closed()).toBe(true);
    write('two\n');
    expect(writes).toEqual(['one\n']);
    expect(() => stream.emit('error', Object.assign(new Error('disk full'), { code: 'ENOSPC' }))).toThrow(
      'disk full',
    );
  });
});
