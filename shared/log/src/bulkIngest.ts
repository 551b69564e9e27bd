/** `sumgate log ingest`: ingests many versions (from a lockfile or a list) into a log directory. */
import type { NpmRegistryKey } from '@sumgate/core';
import { Ingestor } from './ingest/ingestor.js';
import { readList, readLockfile, type PackageVersion } from './lockfiles.js';
import { openLog, type Log } from './log.js';

export interface IngestProgress {
  done: number;
  total: number;
  name: string;
  version: string;
  /** 'added', 'existing', or the refusal message. */
  outcome: 'added' | 'existing' | 'failed';
  reason?: string;
}

export interface IngestListOptions {
  /** A log directory (opened and closed here), or an open log. */
  dir?: string;
  log?: Log;
  upstreams: readonly string[];
  packages: readonly PackageVersion[];
  npmKeys?: readonly NpmRegistryKey[];
  concurrency?: number;
  /** Re-observe versions already in the log, to detect conflicting republications. */
  recheck?: boolean;
  onProgress?: (p: IngestProgress) => void;
}

export interface IngestSummary {
  added: number;
  existing: number;
  failed: Array<{ name: string; version: string; reason: string }>;
}

export async function ingestList(opts: IngestListOptions): Promise<IngestSummary> {
  const log = opts.log ?? (await openLog(requireDir(opts.dir)));
  try {
    const ingestor = new Ingestor(log, {
      upstreams: opts.upstreams,
      npmKeys: opts.npmKeys,
      concurrency: opts.concurrency ?? 16,
    });
    const summary: IngestSummary = { added: 0, existing: 0, failed: [] };
    let done = 0;
    const total = opts.packages.length;
    await Promise.all(
      opts.packages.map(async ({ name, version }) => {
        let progress: IngestProgress;
        try {
          const r = await ingestor.ingest(name, version, { recheck: opts.recheck === true });
          if (r.existing) summary.existing++;
          else summary.added++;
          progress = { done: ++done, total, name, version, outcome: r.existing ? 'existing' : 'added' };
        } catch (e) {
          const code = (e as { code?: unknown }).code;
          const reason = `${typeof code === 'string' ? `${code}: ` : ''}${(e as Error).message}`;
          summary.failed.push({ name, version, reason });
          progress = { done: ++done, total, name, version, outcome: 'failed', reason };
        }
        opts.onProgress?.(progress);
      }),
    );
    return summary;
  } finally {
    if (opts.log === undefined) await log.close();
  }
}

export async function ingestFromLockfile(
  opts: Omit<IngestListOptions, 'packages'> & { lockfile: string },
): Promise<IngestSummary> {
  return ingestList({ ...opts, packages: readLockfile(opts.lockfile) });
}

export async function ingestFromListFile(
  opts: Omit<IngestListOptions, 'packages'> & { list: string },
): Promise<IngestSummary> {
  return ingestList({ ...opts, packages: readList(opts.list) });
}

function requireDir(dir: string | undefined): string {
  if (dir === undefined) throw new RangeError('ingestList needs dir or log');
  return dir;
}
