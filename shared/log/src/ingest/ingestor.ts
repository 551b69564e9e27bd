/**
 * On-demand ingestion from upstream npm registries (tried in order): fetch the packument, download
 * `dist.tarball`, check its sha512 against `dist.integrity` (refused on mismatch), verify npm's
 * `dist.signatures` when keys are configured, fingerprint the install-time code from the tarball's
 * own package.json, and append the record. Concurrent requests for one version share one
 * ingestion (single flight); at most `concurrency` ingestions run at once.
 */
import {
  canonicalPublishTime,
  createHttpClient,
  formatRecord,
  type HttpClient,
  inspectTarball,
  type NpmRecord,
  type NpmRegistryKey,
  parseRecord,
  recordKey,
  sha512Of,
  sha512Sri,
  SumgateError,
  verifyRegistrySignature,
} from '@sumgate/core';
import type { AppendableLogView } from '../logView.js';
import { Limiter, SingleFlight } from './limiter.js';
import { keepMalformedTarball } from './malformedEvidence.js';
import { DEFAULT_LIMITS, getBytes, packumentUrl, type FetchLimits } from './upstream.js';

export interface IngestorOptions {
  /** Registry base URLs, tried in order (a 404 or an error moves on to the next). */
  upstreams: readonly string[];
  /** npm registry keys (`/-/npm/v1/keys`, parsed): when given, `dist.signatures` must verify. */
  npmKeys?: readonly NpmRegistryKey[] | undefined;
  /** Ingestions at once (default 8). */
  concurrency?: number | undefined;
  limits?: Partial<FetchLimits> | undefined;
  /** The HTTP client upstreams are read with (default: a keep-alive client of the core's own). */
  http?: HttpClient | undefined;
}

export interface IngestResult {
  index: number;
  record: string;
  /** False when this call added the record to the log. */
  existing: boolean;
}

interface Observation {
  record: NpmRecord;
  source: string;
  /** The same bytes' install code under the v1 rules, to recheck a record the log holds in v1. */
  v1Fingerprint: string | undefined;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class Ingestor {
  private readonly limiter: Limiter;
  private readonly flights = new SingleFlight<IngestResult>();
  private readonly limits: FetchLimits;
  private readonly http: HttpClient;
  /** Aborted by close(): an upstream read still running then holds no connection open. */
  private readonly closing = new AbortController();

  constructor(
    private readonly log: AppendableLogView,
    private readonly opts: IngestorOptions,
  ) {
    if (opts.upstreams.length === 0) throw new RangeError('an Ingestor needs at least one upstream');
    this.limiter = new Limiter(opts.concurrency ?? 8);
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.http = opts.http ?? createHttpClient();
  }

  /**
   * Cancels the upstream reads in flight (each fails SOURCE_FAILED: retried by a later request,
   * never logged); the servers call it after their drain, just before closing the log.
   */
  close(): void {
    this.closing.abort(new Error('the log is closing'));
  }

  private fetchLimits(maxBytes: number): { maxBytes: number; timeoutMs: number; signal: AbortSignal } {
    return { maxBytes, timeoutMs: this.limits.timeoutMs, signal: this.closing.signal };
  }

  /**
   * Makes sure name@version is in the log and returns its entry. With `recheck`, an already logged
   * version is observed again: a different integrity or install code is refused (LOG_CONFLICT) and
   * kept as evidence; a record that differs only in registry signatures (mirrors strip them) is not
   * a conflict.
   */
  async ingest(name: string, version: string, opts: { recheck?: boolean } = {}): Promise<IngestResult> {
    const key = recordKey(name, version);
    const logged = await this.log.lookup(key);
    if (logged !== undefined && opts.recheck !== true) return { ...logged, existing: true };
    const flight = opts.recheck === true ? `recheck ${key}` : key;
    return this.flights.run(flight, () =>
      this.limiter.run(async () => {
        const now = await this.log.lookup(key);
        if (now !== undefined && opts.recheck !== true) return { ...now, existing: true };
        const seen = await this.observe(name, version);
        if (now !== undefined && sameContent(parseRecord(now.record), seen))
          return { ...now, existing: true };
        const { index, existing } = await this.log.append(seen.record, seen.source);
        return { index, record: formatRecord(seen.record), existing };
      }),
    );
  }

  /**
   * Every version the upstream registries list for `name` (their abbreviated packuments' `versions`
   * keys, unioned: ingestion takes a version from whichever upstream has it). An upstream that does
   * not know the name (404) lists none; one that cannot be read fails the whole list (SOURCE_FAILED),
   * so a partial list is never served as complete.
   */
  async upstreamVersions(name: string): Promise<Set<string>> {
    const out = new Set<string>();
    for (const upstream of this.opts.upstreams) {
      const url = packumentUrl(upstream, name);
      const bytes = await this.limiter.run(() =>
        getBytes(
          this.http,
          url,
          this.fetchLimits(this.limits.maxPackumentBytes),
          'packument',
          'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8',
        ),
      );
      if (bytes === undefined) continue;
      let doc: unknown;
      try {
        doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
      } catch {
        throw new SumgateError('SOURCE_FAILED', `the packument ${url} is not JSON`, {
          pkg: name,
          fix: 'the upstream registry is broken: retry later, or configure another one with --upstream',
        });
      }
      const versions = isObject(doc) ? doc['versions'] : undefined;
      if (!isObject(versions))
        throw new SumgateError('SOURCE_FAILED', `the packument ${url} has no "versions" object`, {
          pkg: name,
          fix: 'the upstream registry is broken: retry later, or configure another one with --upstream',
        });
      for (const v of Object.keys(versions)) out.add(v);
    }
    return out;
  }

  /** Reads name@version from the first upstream that has it. */
  private async observe(name: string, version: string): Promise<Observation> {
    const pkg = `${name}@${version}`;
    const failures: string[] = [];
    for (const upstream of this.opts.upstreams) {
      let meta: { meta: Json; published: string | undefined } | undefined;
      try {
        meta = await this.versionMetadata(upstream, name, version);
      } catch (e) {
        failures.push((e as Error).message);
        continue;
      }
      if (meta === undefined) continue;
      const { record, v1Fingerprint } = await this.recordFrom(upstream, name, version, meta.meta);
      return {
        record: { ...record, ...(meta.published === undefined ? {} : { published: meta.published }) },
        source: upstream,
        v1Fingerprint,
      };
    }
    if (failures.length > 0) {
      throw new SumgateError(
        'SOURCE_FAILED',
        `could not read ${pkg} from the upstream registries: ${failures.join('; ')}`,
        {
          pkg,
          fix: 'retry later, or add a working registry with --upstream',
        },
      );
    }
    throw new SumgateError(
      'NO_SOURCE',
      `${pkg} was not found on any upstream registry (${this.opts.upstreams.join(', ')})`,
      {
        pkg,
        fix: `check the name and version; if ${pkg} is a private package, do not ask a public log for it`,
      },
    );
  }

  /** The version's metadata and its publish time (`time[version]`, recorded in v2 records). */
  private async versionMetadata(
    upstream: string,
    name: string,
    version: string,
  ): Promise<{ meta: Json; published: string | undefined } | undefined> {
    const url = packumentUrl(upstream, name);
    const bytes = await getBytes(
      this.http,
      url,
      this.fetchLimits(this.limits.maxPackumentBytes),
      'packument',
    );
    if (bytes === undefined) return undefined;
    let packument: unknown;
    try {
      packument = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      throw new SumgateError('SOURCE_FAILED', `the packument ${url} is not JSON`);
    }
    const versions = isObject(packument) ? packument['versions'] : undefined;
    const meta = isObject(versions) ? versions[version] : undefined;
    const time = isObject(packument) && isObject(packument['time']) ? packument['time'][version] : undefined;
    return isObject(meta) ? { meta, published: canonicalPublishTime(time) } : undefined;
  }

  private async recordFrom(
    upstream: string,
    name: string,
    version: string,
    meta: Json,
  ): Promise<{ record: NpmRecord; v1Fingerprint: string | undefined }> {
    const pkg = `${name}@${version}`;
    const dist = isObject(meta['dist']) ? meta['dist'] : {};
    const integrity = sha512Of(typeof dist['integrity'] === 'string' ? dist['integrity'] : undefined);
    if (integrity === undefined || typeof dist['tarball'] !== 'string') {
      throw new SumgateError(
        'SOURCE_FAILED',
        `${upstream} serves ${pkg} without a sha512 dist.integrity and dist.tarball`,
        {
          pkg,
          fix: 'the log records only versions with sha512 integrity; try another upstream',
        },
      );
    }
    const tarballUrl = new URL(dist['tarball'], upstream).href;
    const tgz = await getBytes(
      this.http,
      tarballUrl,
      this.fetchLimits(this.limits.maxTarballBytes),
      'tarball',
    );
    if (tgz === undefined) {
      throw new SumgateError('SOURCE_FAILED', `the tarball of ${pkg} is missing at ${tarballUrl}`, {
        pkg,
        fix: 'try another upstream',
      });
    }
    const actual = sha512Sri(tgz);
    if (actual !== integrity) {
      throw new SumgateError(
        'INTEGRITY_MISMATCH',
        `the tarball of ${pkg} from ${tarballUrl} has ${actual}, but ${upstream} says dist.integrity is ${integrity}; not logged`,
        {
          pkg,
          fix: 'the upstream is corrupt or tampered with: report it, and do not use it as an upstream',
          data: { expected: integrity, actual },
        },
      );
    }
    const signatures = Array.isArray(dist['signatures'])
      ? dist['signatures'].filter(isObject).map((s) => ({ keyid: String(s['keyid']), sig: String(s['sig']) }))
      : [];
    if (this.opts.npmKeys !== undefined) {
      // Throws REGISTRY_SIGNATURE for a signature by a known key that does not verify.
      verifyRegistrySignature({ name, version, integrity, signatures, keys: [...this.opts.npmKeys] });
    }
    const { installCode } = await inspectOrKeep(
      'dir' in this.log && typeof this.log.dir === 'string' ? this.log.dir : undefined,
      tgz,
      { key: recordKey(name, version), pkg, upstream, tarballUrl, integrity },
    );
    const record: NpmRecord = {
      name,
      version,
      integrity,
      installCode: { fingerprint: installCode.fingerprint, hooks: installCode.hooks.map((h) => h.hook) },
      signatures,
    };
    formatRecord(record); // validates (MALFORMED_RECORD) before anything is appended
    return { record, v1Fingerprint: installCode.v1 };
  }
}

/**
 * Fingerprints the install code with the canonical tar reader. A tarball it refuses is never logged
 * (every client would trust the record), and its bytes and the reason are kept as evidence.
 */
async function inspectOrKeep(
  /** Where evidence is kept; undefined for a log with no directory (PostgreSQL): refused, not kept. */
  logDir: string | undefined,
  tgz: Uint8Array,
  seen: { key: string; pkg: string; upstream: string; tarballUrl: string; integrity: string },
): Promise<ReturnType<typeof inspectTarball>> {
  try {
    return inspectTarball(tgz, { pkg: seen.pkg });
  } catch (e) {
    if (!(e instanceof SumgateError) || e.code !== 'MALFORMED_TARBALL') throw e;
    const kept =
      logDir === undefined
        ? 'is not kept: this log has no evidence directory'
        : `is kept as evidence: ${await keepMalformedTarball(logDir, { key: seen.key, upstream: seen.upstream, tarballUrl: seen.tarballUrl, integrity: seen.integrity, reason: e.message }, tgz)}`;
    throw new SumgateError(
      'MALFORMED_TARBALL',
      `${e.message}; not logged (the tarball from ${seen.tarballUrl} ${kept})`,
      {
        pkg: seen.pkg,
        fix: e.fix,
        data: { ...e.data, evidence: kept },
      },
    );
  }
}

/** Same bytes and same install code: registry signatures may legitimately be missing on a mirror. */
/**
 * Whether a logged record and a new observation of the same version agree. A record the log holds
 * under the v1 install-code rules is compared with the v1 fingerprint of the observed bytes (its
 * hooks are part of that fingerprint): comparing it with the v2 fingerprint would call every
 * recheck of an old entry a conflict.
 */
function sameContent(logged: NpmRecord, seen: Observation): boolean {
  if (logged.integrity !== seen.record.integrity) return false;
  if (logged.installCode.rules === 1)
    return seen.v1Fingerprint !== undefined && logged.installCode.fingerprint === seen.v1Fingerprint;
  return (
    logged.installCode.fingerprint === seen.record.installCode.fingerprint &&
    logged.installCode.hooks.join(',') === seen.record.installCode.hooks.join(',')
  );
}
