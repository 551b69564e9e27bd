/**
 * Exotic dependency sources for e2e scenarios, all on this machine: a tarball host on 127.0.0.1
 * (a URL no registry serves) and a local git repository reached over file://. Each carries an
 * install-time script that writes a marker, so "nothing ran" is checked.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFixtureRegistry } from './fixtureRegistry.js';
import type { FixtureRegistry } from './fixtureRegistry.js';
import { markerScript } from './markers.js';

export interface TarballHost {
  readonly host: FixtureRegistry;
  /** The tarball URL a package.json names. */
  readonly url: string;
  readonly integrity: string;
  close(): Promise<void>;
}

/** `tar-dep@1.0.0`, whose postinstall writes the `tar-dep` marker, served at a plain URL. */
export async function startTarballHost(markerDir: string): Promise<TarballHost> {
  const host = await startFixtureRegistry({
    packages: [
      {
        name: 'tar-dep',
        versions: [
          {
            version: '1.0.0',
            packageJson: { scripts: { postinstall: 'node install.js' } },
            files: { 'install.js': markerScript(markerDir, 'tar-dep') },
          },
        ],
      },
    ],
  });
  return {
    host,
    url: `${host.url}tar-dep/-/tar-dep-1.0.0.tgz`,
    integrity: host.integrityOf('tar-dep', '1.0.0'),
    close: () => host.close(),
  };
}

export interface GitRepo {
  /** `git+file:///…#<commit>`: the specifier a package.json names. */
  readonly spec: string;
  readonly commit: string;
}

/** A git repository with `git-dep@1.0.0`, whose `prepare` writes the `git-dep` marker, at one commit. */
export function makeGitRepo(dir: string, markerDir: string): GitRepo {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'git-dep', version: '1.0.0', scripts: { prepare: 'node prepare.js' } }, null, 2)}\n`,
  );
  writeFileSync(path.join(dir, 'prepare.js'), markerScript(markerDir, 'git-dep'));
  writeFileSync(path.join(dir, 'index.js'), 'module.exports = "git-dep";\n');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    }).trim();
  git('init', '--quiet', '-b', 'main');
  git('add', '.');
  git('commit', '--quiet', '-m', 'git-dep 1.0.0');
  const commit = git('rev-parse', 'HEAD');
  return { spec: `git+file://${dir}#${commit}`, commit };
}
