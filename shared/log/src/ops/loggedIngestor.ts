/** An Ingestor that writes one structured line per ingestion it performs (added, already logged, or failed). */
import { isSumgateError } from '@sumgate/core';
import { Ingestor, type IngestorOptions, type IngestResult } from '../ingest/ingestor.js';
import type { AppendableLogView } from '../logView.js';
import { elapsedMs, type OpsLogger } from './jsonLines.js';

export class LoggedIngestor extends Ingestor {
  constructor(
    log: AppendableLogView,
    opts: IngestorOptions,
    private readonly opsLog: OpsLogger,
  ) {
    super(log, opts);
  }

  override async ingest(
    name: string,
    version: string,
    opts: { recheck?: boolean } = {},
  ): Promise<IngestResult> {
    const start = performance.now();
    const pkg = `${name}@${version}`;
    try {
      const r = await super.ingest(name, version, opts);
      this.opsLog('ingest', {
        package: pkg,
        outcome: r.existing ? 'existing' : 'added',
        index: r.index,
        ...(opts.recheck === true ? { recheck: true } : {}),
        ms: elapsedMs(start),
      });
      return r;
    } catch (e) {
      const code = isSumgateError(e) ? e.code : 'INTERNAL';
      this.opsLog('ingest', {
        package: pkg,
        outcome: 'failed',
        code,
        reason: (e as Error).message.slice(0, 500),
        ms: elapsedMs(start),
      });
      throw e;
    }
  }
}
