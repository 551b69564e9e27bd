/**
 * Marker files prove whether a fixture's install script ran: the script appends its label to
 * `<markerDir>/<label>.ran`, one line per run. The marker dir is absolute and outside every test
 * project, so neither a package manager nor a plugin cleaning the project can hide a run.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh, empty, absolute marker directory under the OS temp dir. */
export function makeMarkerDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'sumgate-markers-'));
}

/**
 * JavaScript source that appends `label` (and a newline) to `<markerDir>/<label>.ran`, creating the directory
 * if needed. Usable as a
 * file's contents (`install.js`, run as `node install.js`) or with `node -e`; uses only double
 * quotes inside, so wrap it in single quotes on a shell line.
 */
export function markerScript(markerDir: string, label: string): string {
  assertMarkerArgs(markerDir, label);
  const file = path.join(markerDir, `${label}.ran`);
  return (
    `const fs = require("fs"); fs.mkdirSync(${JSON.stringify(markerDir)}, { recursive: true }); ` +
    `fs.appendFileSync(${JSON.stringify(file)}, ${JSON.stringify(`${label}\n`)});\n`
  );
}

/**
 * Files and package.json fields for a fixture version whose `script` (default postinstall) writes
 * the marker: spread `files` into FixtureVersion.files and `scripts` into packageJson.scripts.
 */
export function markerInstallScript(
  markerDir: string,
  label: string,
  script: 'preinstall' | 'install' | 'postinstall' = 'postinstall',
): { files: Record<string, string>; scripts: Record<string, string> } {
  return {
    files: { 'install.js': markerScript(markerDir, label) },
    scripts: { [script]: 'node install.js' },
  };
}

/** How many times the script labelled `label` ran (0 when never). */
export function markerRuns(markerDir: string, label: string): number {
  assertMarkerArgs(markerDir, label);
  const file = path.join(markerDir, `${label}.ran`);
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line === label).length;
}

function assertMarkerArgs(markerDir: string, label: string): void {
  if (!path.isAbsolute(markerDir)) throw new Error(`marker dir must be absolute: ${markerDir}`);
  if (!/^[A-Za-z0-9._-]+$/.test(label)) throw new Error(`marker label must be a plain file name: ${label}`);
}
