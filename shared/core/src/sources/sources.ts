import { SumgateError } from '../errors.js';
import type { Policy, SourcePolicy } from '../policy/policy.js';
import { Credentials } from './credentials.js';
import { NetworkError } from './http.js';
import type { HttpClient, HttpResponse } from './http.js';
import { conventionalTarballUrl, packumentPath, routeSources } from './routing.js';

const RETRY_DELAYS_MS = [500, 2000];

/** Every request to a source has an idle timeout and a total deadline (a trickling mirror fails in bounded time). */
export interface SourceTiming {
  readonly idleMs: number;
  readonly deadlineMs: number;
}

export const DEFAULT_SOURCE_TIMING: SourceTiming = { idleMs: 30_000, deadlineMs: 180_000 };

export interface SourceFailure {
  readonly source: string;
  readonly url: string;
  readonly reason: string;
  /** Set when the source answered but its bytes failed verification (RejectedBySource), with its data. */
  readonly rejected?: Readonly<Record<string, unknown>> | undefined;
}

export interface Fetched<T> {
  readonly value: T;
  readonly source: SourcePolicy;
  readonly url: string;
  /** Sources tried before this one and why they were passed over. */
  readonly failures: readonly SourceFailure[];
}

/** Thrown by an `accept` callback when a source's bytes fail verification: fail over to the next source. */
export class RejectedBySource extends Error {
  constructor(
    message: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RejectedBySource';
  }
}

/**
 * Decentralized sources: any configured registry or mirror may serve a package; none is trusted.
 * Fails over on network errors, 5xx, 404 and verification failure (the `accept` callback).
 */
export class Sources {
  constructor(
    private readonly policy: Pick<Policy, 'sources' | 'strategy'>,
    private readonly http: HttpClient,
    private readonly credentials: Credentials = Credentials.none(),
    private readonly timing: SourceTiming = DEFAULT_SOURCE_TIMING,
  ) {}

  route(name: string): SourcePolicy[] {
    return routeSources(name, this.policy.sources, this.policy.strategy);
  }

  /** Downloads a tarball, trying each routed source; `accept` verifies the bytes (throw RejectedBySource to fail over). */
  async fetchTarball<T>(
    pkg: { name: string; version: string; tarballUrl?: string | undefined },
    accept: (bytes: Buffer, source: SourcePolicy) => T,
  ): Promise<Fetched<T>> {
    return this.tryEach(pkg.name, `${pkg.name}@${pkg.version}`, (source) => {
      // The lockfile keeps the upstream URL; a source serving that upstream uses it as is, others their own
      // path.
      const url =
        pkg.tarballUrl?.startsWith(source.url) === true
          ? pkg.tarballUrl
          : conventionalTarballUrl(source.url, pkg.name, pkg.version);
      return { url, accept: (body) => accept(body, source), headers: {} };
    });
  }

  /**
   * A URL no source serves (an exotic dependency's tarball), fetched as written, with the same
   * retries; credentials only where .npmrc wrote them for that URL's prefix.
   */
  async fetchUrl(url: string, what: string): Promise<Buffer> {
    const headers: Record<string, string> = {};
    const auth = this.credentials.authorizationFor(url);
    if (auth !== undefined) headers.authorization = auth;
    let res: HttpResponse;
    try {
      res = await this.getWithRetries(url, headers);
    } catch (e) {
      throw new SumgateError(
        'SOURCE_FAILED',
        `${what}: ${url} could not be fetched (${(e as Error).message})`,
        { pkg: what, fix: 'check that the URL is reachable' },
      );
    }
    if (res.status !== 200)
      throw new SumgateError('SOURCE_FAILED', `${what}: ${url} answered HTTP ${res.status}`, {
        pkg: what,
        fix: 'check the URL',
      });
    return res.body;
  }

  /** The full packument of a package (versions, dist, scripts, time) from the first source that has it. */
  async fetchPackument(name: string): Promise<Fetched<Packument>> {
    return this.tryEach(name, name, (source) => ({
      url: `${source.url}${packumentPath(name)}`,
      headers: { accept: 'application/json' },
      accept: (body) => {
        let doc: unknown;
        try {
          doc = JSON.parse(body.toString('utf8'));
        } catch {
          throw new RejectedBySource('packument is not JSON');
        }
        if (typeof doc !== 'object' || doc === null || typeof (doc as Packument).versions !== 'object') {
          throw new RejectedBySource('packument has no "versions"');
        }
        return doc as Packument;
      },
    }));
  }

  /**
   * The npm registry signing keys (`/-/npm/v1/keys`) from the first routed source that serves
   * them, with the same credentials, retries and deadlines as every other source request.
   */
  async fetchNpmKeys(name: string): Promise<Fetched<unknown>> {
    return this.tryEach(name, `the npm keys for ${name}`, (source) => ({
      url: `${source.url}-/npm/v1/keys`,
      headers: { accept: 'application/json' },
      accept: (body) => {
        try {
          return JSON.parse(body.toString('utf8')) as unknown;
        } catch {
          throw new RejectedBySource('npm keys document is not JSON');
        }
      },
    }));
  }

  /**
   * A GET that retries what may pass (a network error, a 5xx) twice, after 0.5 s and 2 s, as npm's
   * and pnpm's fetch-retries do; a 404 or bytes that fail verification move on to the next source.
   */
  private async getWithRetries(url: string, headers: Record<string, string>): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= RETRY_DELAYS_MS.length;
      try {
        const res = await this.http(url, {
          headers,
          timeoutMs: this.timing.idleMs,
          deadlineMs: this.timing.deadlineMs,
        });
        if (res.status < 500 || last) return res;
      } catch (e) {
        if (last || !(e instanceof NetworkError)) throw e;
      }
      await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]));
    }
  }

  private async tryEach<T>(
    name: string,
    what: string,
    plan: (source: SourcePolicy) => {
      url: string;
      headers: Record<string, string>;
      accept: (body: Buffer) => T;
    },
  ): Promise<Fetched<T>> {
    const routed = this.route(name);
    if (routed.length === 0) {
      throw new SumgateError('NO_SOURCE', `${what}: no configured source serves ${name}`, {
        pkg: what,
        fix: 'add a source for its scope (or one without "scopes") to "sources" in sumgate.jsonc',
      });
    }
    const failures: SourceFailure[] = [];
    for (const source of routed) {
      const p = plan(source);
      const headers = { ...p.headers };
      const auth = this.credentials.authorizationFor(p.url);
      if (auth !== undefined) headers.authorization = auth;
      try {
        const res = await this.getWithRetries(p.url, headers);
        if (res.status !== 200) {
          failures.push({ source: source.name, url: p.url, reason: `HTTP ${res.status}` });
          continue;
        }
        return { value: p.accept(res.body), source, url: p.url, failures };
      } catch (e) {
        if (e instanceof SumgateError) throw e;
        failures.push({
          source: source.name,
          url: p.url,
          reason: (e as Error).message,
          ...(e instanceof RejectedBySource ? { rejected: e.data } : {}),
        });
      }
    }
    throw new SumgateError(
      'SOURCE_FAILED',
      `${what}: every source failed: ${failures.map((f) => `${f.source} (${f.reason})`).join('; ')}`,
      {
        pkg: what,
        fix: 'check the sources in sumgate.jsonc; a source whose bytes fail verification is serving tampered or wrong content',
        data: { failures },
      },
    );
  }
}

export interface PackumentVersion {
  name?: string;
  version?: string;
  scripts?: Record<string, unknown>;
  hasInstallScript?: boolean;
  gypfile?: boolean;
  deprecated?: string;
  dist?: {
    integrity?: string;
    shasum?: string;
    tarball?: string;
    signatures?: Array<{ keyid: string; sig: string }>;
  };
}

export interface Packument {
  name?: string;
  versions: Record<string, PackumentVersion>;
  time?: Record<string, string>;
  'dist-tags'?: Record<string, string>;
}
