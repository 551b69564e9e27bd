import { exoticOf } from './exoticPolicy.js';
import { DEFAULT_LOG_TIMEOUT_MS, DEFAULT_POLICY } from './policy.js';
import { policyError } from './policyError.js';
import type { Approval, LogPolicy, NpmKeyPolicy, Policy, SourcePolicy, WitnessPolicy } from './policy.js';

type Json = unknown;

/** A bad key: names the file, the key path and what was expected. */
function bad(file: string, key: string, expected: string, got?: Json, fix?: string): never {
  throw policyError(file, key, expected, got, fix);
}

/** Edit distance (insertions, deletions, substitutions, and swaps of two neighbours count 1). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known key a mistyped one most likely meant: same letters ignoring case, or close in spelling. */
function closestKey(typed: string, allowed: readonly string[]): string | undefined {
  const lower = typed.toLowerCase();
  const sameLetters = allowed.find((k) => k.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  const limit = Math.max(1, Math.min(3, Math.floor(typed.length / 3)));
  let best: { key: string; distance: number } | undefined;
  for (const k of allowed) {
    const distance = editDistance(lower, k.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { key: k, distance };
  }
  return best?.key;
}

function object(file: string, key: string, v: Json, allowed: readonly string[]): Record<string, Json> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(file, key, 'an object', v);
  const o = v as Record<string, Json>;
  for (const k of Object.keys(o)) {
    if (allowed.includes(k)) continue;
    const path = key === '' ? k : `${key}.${k}`;
    const meant = closestKey(k, allowed);
    if (meant === undefined) bad(file, path, `one of the known keys (${allowed.join(', ')})`);
    bad(
      file,
      path,
      `one of the known keys (${allowed.join(', ')}); did you mean "${meant}"?`,
      undefined,
      `rename "${k}" to "${meant}" in ${file}`,
    );
  }
  return o;
}

function string(file: string, key: string, v: Json, pattern?: RegExp, expected = 'a string'): string {
  if (typeof v !== 'string' || v.length === 0 || (pattern !== undefined && !pattern.test(v)))
    bad(file, key, expected, v);
  return v;
}

function strings(file: string, key: string, v: Json, pattern?: RegExp, expected = 'a string'): string[] {
  if (!Array.isArray(v)) bad(file, key, `an array of strings`, v);
  return v.map((item, i) => string(file, `${key}[${i}]`, item, pattern, expected));
}

function oneOf<T extends string>(file: string, key: string, v: Json, options: readonly T[]): T {
  if (typeof v !== 'string' || !options.includes(v as T))
    bad(file, key, `one of ${options.map((o) => `"${o}"`).join(', ')}`, v);
  return v as T;
}

function integer(file: string, key: string, v: Json, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    bad(file, key, `an integer from ${min} to ${max}`, v);
  return v;
}

function boolean(file: string, key: string, v: Json): boolean {
  if (typeof v !== 'boolean') bad(file, key, 'true or false', v);
  return v;
}

function url(file: string, key: string, v: Json): string {
  const s = string(file, key, v, undefined, 'an http(s) URL');
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    bad(file, key, 'an http(s) URL', v);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') bad(file, key, 'an http(s) URL', v);
  if (u.username !== '' || u.password !== '')
    bad(file, key, 'a URL without credentials (put tokens in .npmrc or the environment)');
  return s.endsWith('/') ? s : `${s}/`;
}

const SCOPE = /^@[a-z0-9][a-z0-9._~-]*$/;
const VKEY = /^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/;
const PKG_AT_VERSION = /^(@[^@/\s]+\/)?[^@/\s]+@[0-9A-Za-z.+-]+$/;
const FINGERPRINT = /^sha256-[A-Za-z0-9+/]{43}=$/;
const NAME_GLOB = /^(@[a-z0-9*][a-z0-9._~*-]*\/)?[a-zA-Z0-9*._~-]+$/;

const TOP_KEYS = [
  '$schema',
  'mode',
  'sources',
  'strategy',
  'log',
  'exempt',
  'quarantine',
  'minimumReleaseAgeMinutes',
  'unknownReleaseAge',
  'approvals',
  'deny',
  'exotic',
  'npmKeys',
  'requireRegistrySignatures',
  'cacheDir',
  'proxy',
] as const;

/**
 * Validates a parsed policy document once, at load. `defaults.sources` is used when the file names
 * none (the package manager's own registry).
 */
export function validatePolicy(
  doc: Json,
  file: string,
  defaults: { sources: readonly SourcePolicy[] },
): Policy {
  const o = object(file, '', doc, TOP_KEYS);
  const mode =
    o.mode === undefined
      ? DEFAULT_POLICY.mode
      : oneOf(file, 'mode', o.mode, ['enforce', 'warn', 'off'] as const);
  const sources = o.sources === undefined ? defaults.sources : sourcesOf(file, o.sources);
  if (sources.length === 0) bad(file, 'sources', 'a non-empty array of sources');
  const log = o.log === undefined ? undefined : logOf(file, o.log);
  if (log === undefined && mode !== 'off') {
    bad(
      file,
      'log',
      'an object with the checksum log\'s "url" and "vkeys" (required unless "mode" is "off")',
    );
  }
  return {
    file,
    mode,
    sources,
    strategy:
      o.strategy === undefined
        ? DEFAULT_POLICY.strategy
        : oneOf(file, 'strategy', o.strategy, ['ordered', 'spread'] as const),
    log,
    exempt:
      o.exempt === undefined
        ? []
        : strings(file, 'exempt', o.exempt, NAME_GLOB, 'a package-name glob like "@corp/*"'),
    ...quarantineOf(file, o.quarantine),
    minimumReleaseAgeMinutes:
      o.minimumReleaseAgeMinutes === undefined
        ? 0
        : integer(file, 'minimumReleaseAgeMinutes', o.minimumReleaseAgeMinutes, 0, 525_600),
    unknownReleaseAge:
      o.unknownReleaseAge === undefined
        ? DEFAULT_POLICY.unknownReleaseAge
        : oneOf(file, 'unknownReleaseAge', o.unknownReleaseAge, ['refuse', 'allow'] as const),
    approvals: o.approvals === undefined ? [] : approvalsOf(file, o.approvals),
    deny: o.deny === undefined ? [] : strings(file, 'deny', o.deny),
    exotic: o.exotic === undefined ? [] : exoticOf(file, o.exotic),
    npmKeys: o.npmKeys === undefined ? [] : npmKeysOf(file, o.npmKeys),
    requireRegistrySignatures:
      o.requireRegistrySignatures === undefined
        ? false
        : boolean(file, 'requireRegistrySignatures', o.requireRegistrySignatures),
    cacheDir: o.cacheDir === undefined ? undefined : string(file, 'cacheDir', o.cacheDir),
    proxyQuarantined:
      o.proxy === undefined ? DEFAULT_POLICY.proxyQuarantined : proxyQuarantinedOf(file, o.proxy),
  };
}

/** `proxy`: `{"quarantined"?: "refuse" | "omit"}`, settings of `sumgate proxy`. */
function proxyQuarantinedOf(file: string, v: Json): Policy['proxyQuarantined'] {
  const p = object(file, 'proxy', v, ['quarantined'] as const);
  return p.quarantined === undefined
    ? DEFAULT_POLICY.proxyQuarantined
    : oneOf(file, 'proxy.quarantined', p.quarantined, ['refuse', 'omit'] as const);
}

/** `quarantine`: true, false, or `{"baselineDays"?: 0-365, "releaseAfterDays"?: 0-365}` (an object means on). */
function quarantineOf(
  file: string,
  v: Json | undefined,
): { quarantine: boolean; baselineDays: number; releaseAfterDays: number } {
  const defaults = {
    baselineDays: DEFAULT_POLICY.baselineDays,
    releaseAfterDays: DEFAULT_POLICY.releaseAfterDays,
  };
  if (v === undefined) return { quarantine: DEFAULT_POLICY.quarantine, ...defaults };
  if (typeof v === 'boolean') return { quarantine: v, ...defaults };
  const q = object(file, 'quarantine', v, ['baselineDays', 'releaseAfterDays'] as const);
  return {
    quarantine: true,
    baselineDays:
      q.baselineDays === undefined
        ? defaults.baselineDays
        : integer(file, 'quarantine.baselineDays', q.baselineDays, 0, 365),
    releaseAfterDays:
      q.releaseAfterDays === undefined
        ? defaults.releaseAfterDays
        : integer(file, 'quarantine.releaseAfterDays', q.releaseAfterDays, 0, 365),
  };
}

function sourcesOf(file: string, v: Json): SourcePolicy[] {
  if (!Array.isArray(v)) bad(file, 'sources', 'an array of {"name", "url", "scopes"?}', v);
  const names = new Set<string>();
  return v.map((item, i) => {
    const key = `sources[${i}]`;
    const s = object(file, key, item, ['name', 'url', 'scopes']);
    const name = string(
      file,
      `${key}.name`,
      s.name,
      /^[A-Za-z0-9._-]+$/,
      'a short name of letters, digits, ".", "_" or "-"',
    );
    if (names.has(name)) bad(file, `${key}.name`, 'unique among sources', name);
    names.add(name);
    return {
      name,
      url: url(file, `${key}.url`, s.url),
      scopes:
        s.scopes === undefined
          ? undefined
          : strings(file, `${key}.scopes`, s.scopes, SCOPE, 'a scope like "@corp"'),
    };
  });
}

function logOf(file: string, v: Json): LogPolicy {
  const o = object(file, 'log', v, ['url', 'vkeys', 'witnesses', 'ingest', 'timeoutMs']);
  const vkeys = strings(
    file,
    'log.vkeys',
    o.vkeys ?? bad(file, 'log.vkeys', 'an array of signed-note verifier keys'),
    VKEY,
    'a signed-note verifier key "<name>+<hex8>+<base64>"',
  );
  if (vkeys.length === 0) bad(file, 'log.vkeys', 'a non-empty array of verifier keys');
  return {
    url: url(file, 'log.url', o.url ?? bad(file, 'log.url', "the log's http(s) URL")),
    vkeys,
    witnesses: o.witnesses === undefined ? undefined : witnessesOf(file, o.witnesses),
    ingest: o.ingest === undefined ? true : boolean(file, 'log.ingest', o.ingest),
    timeoutMs:
      o.timeoutMs === undefined
        ? DEFAULT_LOG_TIMEOUT_MS
        : integer(file, 'log.timeoutMs', o.timeoutMs, 100, 600_000),
  };
}

function witnessesOf(file: string, v: Json): WitnessPolicy {
  const o = object(file, 'log.witnesses', v, ['keys', 'quorum']);
  const keys = strings(file, 'log.witnesses.keys', o.keys ?? [], VKEY, 'a cosigner verifier key');
  const quorum = integer(file, 'log.witnesses.quorum', o.quorum ?? keys.length, 1, Math.max(1, keys.length));
  if (keys.length === 0) bad(file, 'log.witnesses.keys', 'a non-empty array of cosigner keys');
  return { keys, quorum };
}

function approvalsOf(file: string, v: Json): Approval[] {
  if (!Array.isArray(v)) bad(file, 'approvals', 'an array of {"package", "installCode", "note"?}', v);
  return v.map((item, i) => {
    const key = `approvals[${i}]`;
    const a = object(file, key, item, ['package', 'installCode', 'note']);
    return {
      package: string(file, `${key}.package`, a.package, PKG_AT_VERSION, 'exactly one "name@version"'),
      installCode: string(
        file,
        `${key}.installCode`,
        a.installCode,
        FINGERPRINT,
        'an install-code fingerprint "sha256-..." (sumgate approve writes it)',
      ),
      note: a.note === undefined ? undefined : string(file, `${key}.note`, a.note),
    };
  });
}

function npmKeysOf(file: string, v: Json): NpmKeyPolicy[] {
  if (!Array.isArray(v))
    bad(file, 'npmKeys', 'an array of {"keyid", "key", "expires"} as served at /-/npm/v1/keys', v);
  return v.map((item, i) => {
    const key = `npmKeys[${i}]`;
    const k = object(file, key, item, ['keyid', 'key', 'expires', 'keytype', 'scheme']);
    const expires =
      k.expires === null || k.expires === undefined ? null : string(file, `${key}.expires`, k.expires);
    if (expires !== null && Number.isNaN(Date.parse(expires)))
      bad(file, `${key}.expires`, 'an ISO date or null', expires);
    return {
      keyid: string(file, `${key}.keyid`, k.keyid, /^SHA256:/, 'a key id "SHA256:..."'),
      key: string(file, `${key}.key`, k.key),
      expires,
    };
  });
}
