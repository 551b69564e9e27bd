/**
 * The storage backends the conformance suite runs on: the embedded POSIX store and PostgreSQL (a
 * throwaway cluster, one database per log). A backend makes fresh logs and says how to serve them,
 * in process (serveLog) or as a child process (the crash test).
 */
import { initLog, serveLog } from '../../src/index.js';
import type { WitnessEndpoint } from '../../src/witness/witnessSubmitter.js';
import { startPgCluster, type PgCluster } from '../pgCluster.js';
import { tempDir } from '../tmp.js';

export interface ServedLog {
  url: string;
  close(): Promise<void>;
}

export interface TestLogHandle {
  dir: string;
  vkey: string;
  /** Arguments of `serve` for this log (without --port). */
  serveArgs: string[];
  serve(opts?: {
    witnesses?: readonly WitnessEndpoint[];
    onError?: (e: unknown) => void;
    upstreams?: readonly string[];
  }): Promise<ServedLog>;
  /** Crashes the storage engine too, where it is a separate server (PostgreSQL). */
  crashStorage?(): void;
  /** PostgreSQL only: a stateless read frontend. */
  serveReader?(): Promise<ServedLog>;
}

export interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  create(origin: string): Promise<TestLogHandle>;
}

export const embedded: Backend = {
  name: 'embedded',
  async setup() {},
  async teardown() {},
  async create(origin) {
    const dir = tempDir();
    const { vkey } = await initLog({ dir, origin });
    return {
      dir,
      vkey,
      serveArgs: ['--dir', dir],
      serve: async (opts = {}) => serveLog({ dir, batchMaxDelayMs: 1, allowDirectAppend: true, ...opts }),
    };
  },
};

export function postgresBackend(): Backend {
  let cluster: PgCluster | undefined;
  let n = 0;
  return {
    name: 'postgres',
    async setup() {
      cluster = await startPgCluster();
    },
    async teardown() {
      cluster?.stop();
    },
    async create(origin) {
      const dir = tempDir();
      const { vkey } = await initLog({ dir, origin });
      const url = cluster!.createDatabase(`log_${process.pid}_${n++}`);
      return {
        dir,
        vkey,
        serveArgs: ['--dir', dir, '--postgres', url],
        serve: async (opts = {}) =>
          serveLog({ dir, postgres: url, batchMaxDelayMs: 1, allowDirectAppend: true, ...opts }),
        crashStorage: () => cluster!.crashAndRestart(),
        serveReader: async () => serveLog({ dir: '', postgres: url, readOnly: true, checkpointTtlMs: 50 }),
      };
    },
  };
}
