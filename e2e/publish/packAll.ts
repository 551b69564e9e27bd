/**
 * The release artifacts as `npm run pack` makes them (scripts/pack.mjs, run on the current build:
 * `pnpm run build` first), for tests that publish and install them.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface PackedArtifact {
  readonly name: string;
  readonly version?: string;
  /** File name inside the output directory. */
  readonly file: string;
  readonly integrity: string;
}

export interface Packed {
  readonly dir: string;
  readonly artifacts: readonly PackedArtifact[];
  /** Absolute path of the artifact of package `name`. */
  path(name: string): string;
}

export async function packAll(outDir: string): Promise<Packed> {
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'scripts/pack.mjs'), '--no-build', '--out', outDir],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(text)
        : reject(new Error(`scripts/pack.mjs failed (exit ${code}); run \`pnpm run build\` first?\n${text}`)),
    );
  });
  const { artifacts } = JSON.parse(readFileSync(path.join(outDir, 'packed.json'), 'utf8')) as {
    artifacts: PackedArtifact[];
  };
  if (!output.includes(`pack: ${artifacts.length} artifacts`))
    throw new Error(`unexpected pack output:\n${output}`);
  return {
    dir: outDir,
    artifacts,
    path(name) {
      const a = artifacts.find((x) => x.name === name);
      if (a === undefined)
        throw new Error(`no packed artifact named ${name} (have ${artifacts.map((x) => x.name).join(', ')})`);
      return path.join(outDir, a.file);
    },
  };
}
