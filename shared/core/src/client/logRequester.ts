import { SumgateError } from '../errors.js';
import { NetworkError } from '../sources/http.js';
import type { HttpClient, HttpResponse } from '../sources/http.js';

export interface LogRequest {
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Statuses that mean "the log does not have it": resolve to undefined. */
  readonly absent?: readonly number[];
  readonly maxBytes?: number;
  /** An absolute deadline (ms since the epoch) shorter than the request's own. */
  readonly deadlineAt?: number;
}

/** The longest silence allowed on a log connection, whatever the budget. */
const MAX_IDLE_MS = 15_000;

/**
 * Every request to the log: a total deadline (log.timeoutMs, or less when an exchange's budget is
 * nearly spent) plus an idle timeout, and one classification of failures: network errors,
 * timeouts and unexpected statuses are LOG_UNREACHABLE (fail closed, no evidence, never a fork).
 */
export class LogRequester {
  constructor(
    readonly url: string,
    private readonly http: HttpClient,
    readonly timeoutMs: number,
    private readonly now: () => number,
  ) {}

  get(pathname: string, req: LogRequest & { absent: readonly number[] }): Promise<Buffer | undefined>;
  get(pathname: string, req?: LogRequest): Promise<Buffer>;
  async get(pathname: string, req: LogRequest = {}): Promise<Buffer | undefined> {
    return this.request(pathname, req);
  }

  async request(pathname: string, req: LogRequest): Promise<Buffer | undefined> {
    const deadlineMs = Math.max(
      1,
      Math.min(this.timeoutMs, (req.deadlineAt ?? Number.POSITIVE_INFINITY) - this.now()),
    );
    let res: HttpResponse;
    try {
      res = await this.http(`${this.url}${pathname}`, {
        method: req.method ?? 'GET',
        ...(req.body === undefined ? {} : { body: req.body }),
        ...(req.headers === undefined ? {} : { headers: req.headers }),
        timeoutMs: Math.min(MAX_IDLE_MS, deadlineMs),
        deadlineMs,
        maxBytes: req.maxBytes ?? 64 * 1024 * 1024,
      });
    } catch (e) {
      const timedOut = e instanceof NetworkError && e.timeout !== undefined;
      throw new SumgateError(
        'LOG_UNREACHABLE',
        `checksum log ${this.url} is unreachable: ${(e as Error).message}`,
        {
          fix: timedOut
            ? `the log is too slow: check it (log.url in sumgate.jsonc) or raise "log.timeoutMs" (now ${this.timeoutMs}); installs fail closed until every package is verified`
            : 'start or fix the log (log.url in sumgate.jsonc); installs fail closed until every package is verified',
          data: {
            url: `${this.url}${pathname}`,
            timeout: timedOut ? (e as NetworkError).timeout : undefined,
          },
          cause: e,
        },
      );
    }
    if (req.absent?.includes(res.status) === true) return undefined;
    if (res.status !== 200) {
      const text = res.body.toString('utf8').slice(0, 300).trim();
      throw new SumgateError(
        'LOG_UNREACHABLE',
        `checksum log ${this.url}${pathname} answered HTTP ${res.status}${text === '' ? '' : `: ${text}`}`,
        {
          fix: 'check the log server (log.url in sumgate.jsonc) and retry',
          data: { url: `${this.url}${pathname}`, status: res.status },
        },
      );
    }
    return res.body;
  }
}
