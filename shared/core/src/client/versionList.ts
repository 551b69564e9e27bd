/**
 * The log's list of a package's versions: `GET /versions/<escaped name>?below=<version>&limit=<n>`
 * (shared/core/docs/version-list.md). It is the log operator's statement, not part of the Merkle
 * tree: the client takes the union of it and the sources' versions, and every version the baseline
 * walk uses is still proven by inclusion, so a log can at most leave a version out.
 */
import semver from 'semver';
import { SumgateError } from '../errors.js';
import { escapeName } from '../record/escapeName.js';

/** Versions asked for at most (the baseline walk examines no more: verdict/baseline.ts MAX_BASELINE_WALK). */
export const VERSION_LIST_LIMIT = 64;
/** The largest `limit` a log serves. */
export const MAX_VERSION_LIST_LIMIT = 256;

export interface ListedVersion {
  readonly version: string;
  /** True: the log holds a published record for it. False: its upstream lists it, not yet ingested. */
  readonly logged: boolean;
}

/** The wire format (a JSON object). */
export interface VersionList {
  readonly name: string;
  readonly below: string;
  /** Lower versions on `below`'s track (previousVersion.ts), highest first, at most `limit`. */
  readonly versions: readonly ListedVersion[];
  /** More lower versions exist than were listed. */
  readonly truncated: boolean;
  /** `listed`: the log's upstream registries were read; `none`: the log has no upstream (only what it holds). */
  readonly upstream: 'listed' | 'none';
}

/** The log has the endpoint and answered, or it does not have it (an older log: HTTP 404). */
export type VersionListAnswer = { readonly list: VersionList } | { readonly unsupported: string };

export function versionListPath(name: string, below: string, limit = VERSION_LIST_LIMIT): string {
  return `versions/${escapeName(name)}?below=${encodeURIComponent(below)}&limit=${limit}`;
}

function bad(url: string, name: string, why: string): never {
  throw new SumgateError(
    'MALFORMED_PROOF',
    `checksum log ${url}: malformed version list of ${name} (${why})`,
    {
      pkg: name,
      fix: 'the log server answered GET /versions/ with something other than its documented JSON: report it to the log operator; nothing was decided or cached',
    },
  );
}

/** Attacker-controlled: checked field by field; every version must be valid semver, listed once. */
export function parseVersionList(body: Buffer, url: string, name: string, below: string): VersionList {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    bad(url, name, 'not JSON');
  }
  const d = doc as Partial<Record<keyof VersionList, unknown>>;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) bad(url, name, 'not a JSON object');
  if (d.name !== name) bad(url, name, `it names ${JSON.stringify(d.name)}`);
  if (d.below !== below) bad(url, name, `it is below ${JSON.stringify(d.below)}, asked ${below}`);
  if (typeof d.truncated !== 'boolean') bad(url, name, '"truncated" is not a boolean');
  if (d.upstream !== 'listed' && d.upstream !== 'none')
    bad(url, name, '"upstream" is not "listed" or "none"');
  if (!Array.isArray(d.versions)) bad(url, name, '"versions" is not an array');
  if (d.versions.length > MAX_VERSION_LIST_LIMIT)
    bad(url, name, `${d.versions.length} versions, more than ${MAX_VERSION_LIST_LIMIT}`);
  const seen = new Set<string>();
  const versions: ListedVersion[] = [];
  for (const v of d.versions as unknown[]) {
    const e = v as Partial<Record<keyof ListedVersion, unknown>>;
    if (typeof e !== 'object' || e === null || typeof e.version !== 'string' || typeof e.logged !== 'boolean')
      bad(url, name, 'an entry is not {"version": string, "logged": boolean}');
    if (semver.valid(e.version) !== e.version)
      bad(url, name, `${JSON.stringify(e.version)} is not a version`);
    if (seen.has(e.version)) bad(url, name, `${e.version} is listed twice`);
    seen.add(e.version);
    versions.push({ version: e.version, logged: e.logged });
  }
  return { name, below, versions, truncated: d.truncated, upstream: d.upstream };
}
