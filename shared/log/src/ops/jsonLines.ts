/**
 * The log server's operational output: one JSON object per line (JSON Lines), so journald, a log
 * shipper or `jq` can read it. Every line has `time` (ISO 8601, UTC) and `event`.
 *
 *   {"time":"...","event":"request","method":"GET","path":"/checkpoint","status":200,"bytes":123,"ms":0.4,"remote":"127.0.0.1"}
 *   {"time":"...","event":"ingest","package":"left-pad@1.3.0","outcome":"added","index":41,"ms":85.2}
 *   {"time":"...","event":"shutdown","signal":"SIGTERM","inFlight":2}
 */
export type OpsEvent = 'listening' | 'request' | 'ingest' | 'shutdown' | 'stopped' | 'error';

export type OpsLogger = (event: OpsEvent, fields: Record<string, unknown>) => void;

/** A logger writing one line per event through `write`. */
export function jsonLineLogger(write: (line: string) => void, now: () => Date = () => new Date()): OpsLogger {
  return (event, fields) => {
    write(`${JSON.stringify({ time: now().toISOString(), event, ...fields })}\n`);
  };
}

/** Milliseconds since `start` (a performance.now() value), rounded to 0.1 ms. */
export function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
