/**
 * The real extraction code of pnpm 10 and Yarn 4, called in-process on a .tgz (devDependencies):
 * - pnpm 10: `@pnpm/store.cafs` 1000.1.6 `createCafs(store).addFilesFromTarball` (the parser pnpm
 *   10.34's bundle runs: gunzip, its own tar parser, every file written to a content-addressed store);
 * - Yarn 4: `@yarnpkg/core` 4.9.2 `tgzUtils.extractArchiveTo` (what convertToZip runs in its worker)
 *   into an in-memory ZipFS, with `stripComponents: 1` as plugin-npm's fetchers pass it.
 * Each returns the package's files as path -> sha256 (symlinks as `-> target`), or the error. pnpm is
 * asked not to parse package.json: the file set is compared here, the manifest is checked later.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

export type Extracted = { ok: true; files: Map<string, string> } | { ok: false; error: string };

interface PnpmCafs {
  addFilesFromTarball(
    buffer: Buffer,
    readManifest?: boolean,
  ): { filesIndex: Record<string, { integrity: { hexDigest(): string }; filePath: string }> };
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let pnpmStore: string | undefined;
let pnpmCafs: PnpmCafs | undefined;

/** pnpm 10's reading of a .tgz. */
export function pnpm10Files(tgz: Uint8Array): Extracted {
  if (pnpmCafs === undefined) {
    pnpmStore = mkdtempSync(path.join(tmpdir(), 'sumgate-pnpm-cafs-'));
    const { createCafs } = require('@pnpm/store.cafs') as { createCafs(dir: string): PnpmCafs };
    pnpmCafs = createCafs(pnpmStore);
  }
  try {
    const { filesIndex } = pnpmCafs.addFilesFromTarball(Buffer.from(tgz), false);
    const files = new Map<string, string>();
    for (const [p, f] of Object.entries(filesIndex)) files.set(p, sha256(readFileSync(f.filePath)));
    return { ok: true, files };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

export function removePnpmStore(): void {
  if (pnpmStore !== undefined) rmSync(pnpmStore, { recursive: true, force: true });
  pnpmStore = undefined;
  pnpmCafs = undefined;
}

interface ZipFsLike {
  getAllFiles(): string[];
  lstatSync(p: string): { isSymbolicLink(): boolean; isFile(): boolean };
  readFileSync(p: string): Buffer;
  readlinkSync(p: string): string;
  discardAndClose(): void;
}

const PREFIX = '/node_modules/pkg';

/** Yarn 4's reading of a .tgz. */
export async function yarn4Files(tgz: Uint8Array): Promise<Extracted> {
  const { tgzUtils } = require('@yarnpkg/core') as {
    tgzUtils: {
      extractArchiveTo(
        tgz: Buffer,
        fs: unknown,
        opts: { stripComponents: number; prefixPath: string },
      ): Promise<unknown>;
    };
  };
  const { ZipFS } = require('@yarnpkg/libzip') as {
    ZipFS: new (src: null, opts: { level: string }) => ZipFsLike;
  };
  const zip = new ZipFS(null, { level: 'mixed' });
  try {
    await tgzUtils.extractArchiveTo(Buffer.from(tgz), zip, { stripComponents: 1, prefixPath: PREFIX });
    const files = new Map<string, string>();
    for (const p of zip.getAllFiles()) {
      if (!p.startsWith(`${PREFIX}/`)) continue;
      const rel = p.slice(PREFIX.length + 1);
      const st = zip.lstatSync(p);
      if (st.isSymbolicLink()) files.set(rel, `-> ${zip.readlinkSync(p)}`);
      else if (st.isFile()) files.set(rel, sha256(zip.readFileSync(p)));
    }
    return { ok: true, files };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  } finally {
    zip.discardAndClose();
  }
}
