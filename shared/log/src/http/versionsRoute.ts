/**
 * GET /versions/<escaped name>?below=<version>[&limit=<n>]: the versions of a package the log
 * knows below one version on its track (shared/core/docs/version-list.md), for the client's walk
 * back to an established baseline. Each is marked `logged` (the log holds a published record) or
 * not (its upstream registries list it and it is not ingested yet; a lookup ingests it).
 *
 * The list is this operator's statement, not part of the Merkle tree: clients take its union with
 * their sources' versions and prove every version they use. It is bounded: at most `limit` (≤ 256)
 * versions are returned, and a package with more than MAX_LOGGED_VERSIONS logged versions is
 * refused rather than listed in part.
 */
import {
  escapeName,
  isSemver,
  lowerOnTrack,
  MAX_VERSION_LIST_LIMIT,
  unescapeName,
  VERSION_LIST_LIMIT,
} from '@sumgate/core';
import type { VersionList } from '@sumgate/core';
import type { ServerResponse } from 'node:http';
import type { Ingestor } from '../ingest/ingestor.js';
import type { LogView } from '../logView.js';
import { HttpError, sendJson } from './httpError.js';

/** The most logged versions of one name the log reads to answer. */
export const MAX_LOGGED_VERSIONS = 100_000;

function nameOf(escaped: string): string {
  let name: string;
  try {
    name = unescapeName(escaped);
  } catch (e) {
    throw new HttpError(
      400,
      `malformed package name ${JSON.stringify(escaped.slice(0, 300))}: ${(e as Error).message}`,
    );
  }
  if (escapeName(name) !== escaped)
    throw new HttpError(
      400,
      `package name ${JSON.stringify(escaped.slice(0, 300))} is not escaped canonically (expected ${escapeName(name)})`,
    );
  return name;
}

function limitOf(raw: string | null): number {
  if (raw === null) return VERSION_LIST_LIMIT;
  const n = /^[1-9][0-9]{0,3}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= MAX_VERSION_LIST_LIMIT))
    throw new HttpError(
      400,
      `limit must be an integer from 1 to ${MAX_VERSION_LIST_LIMIT}, got ${JSON.stringify(raw.slice(0, 20))}`,
    );
  return n;
}

export async function serveVersions(
  log: LogView,
  ingestor: Ingestor | undefined,
  escaped: string,
  query: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const name = nameOf(escaped);
  const below = query.get('below');
  if (below === null || !isSemver(below))
    throw new HttpError(
      400,
      `below must be a version (e.g. ?below=1.2.3), got ${JSON.stringify(below?.slice(0, 100) ?? null)}`,
    );
  const limit = limitOf(query.get('limit'));
  const [logged, upstream] = await Promise.all([
    log.versionsOf(escaped, MAX_LOGGED_VERSIONS + 1),
    ingestor?.upstreamVersions(name),
  ]);
  if (logged.length > MAX_LOGGED_VERSIONS)
    throw new HttpError(
      413,
      `${name} has more than ${MAX_LOGGED_VERSIONS} logged versions: this log does not list them (clients fall back to an error, not to a partial list)`,
    );
  const isLogged = new Set(lowerOnTrack(below, logged));
  const lower = lowerOnTrack(below, [...logged, ...(upstream ?? [])]);
  const unique = [...new Set(lower)];
  const body: VersionList = {
    name,
    below,
    versions: unique.slice(0, limit).map((version) => ({ version, logged: isLogged.has(version) })),
    truncated: unique.length > limit,
    upstream: ingestor === undefined ? 'none' : 'listed',
  };
  sendJson(res, 200, body);
}
