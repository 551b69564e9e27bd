/**
 * POST /proofs: `{"packages": ["<name>@<version>", ...], "ingest": true}` -> a ProofBatch
 * (proofBatch.ts). Names are plain npm names (`@scope/pkg@1.2.3`), not escaped keys. At most
 * 10,000 packages and 1 MiB of request body (413 beyond). With "ingest": true and upstreams
 * configured, unknown versions are ingested first; failures are listed in "missing" with a reason.
 * With "waitMs", the answer comes within that time: versions still being ingested are listed in
 * "pending" (the client asks again for them) instead of holding the answer until all are done.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordKey } from '@sumgate/core';
import type { Ingestor } from '../ingest/ingestor.js';
import type { LogView } from '../logView.js';
import type { ProofRequest } from '../proofBatch.js';
import { readJson } from './body.js';
import { HttpError, sendJson } from './httpError.js';

export const MAX_PROOFS_BODY = 1 << 20;
export const MAX_PROOFS_PACKAGES = 10_000;

/** Splits `name@version` at the last `@` that is not the scope's. */
export function splitSpec(spec: string): { name: string; version: string } | undefined {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return undefined;
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}

export async function handleProofs(
  log: LogView,
  ingestor: Ingestor | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readJson(req, MAX_PROOFS_BODY);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'expected {"packages": ["name@version", ...], "ingest": true|false}');
  }
  const { packages, ingest, waitMs } = body as { packages?: unknown; ingest?: unknown; waitMs?: unknown };
  if (
    waitMs !== undefined &&
    !(typeof waitMs === 'number' && Number.isSafeInteger(waitMs) && waitMs >= 0 && waitMs <= 600_000)
  ) {
    throw new HttpError(400, '"waitMs" must be an integer number of milliseconds from 0 to 600000');
  }
  if (!Array.isArray(packages) || !packages.every((p) => typeof p === 'string')) {
    throw new HttpError(400, '"packages" must be an array of "name@version" strings');
  }
  if (ingest !== undefined && typeof ingest !== 'boolean')
    throw new HttpError(400, '"ingest" must be true or false');
  if (packages.length > MAX_PROOFS_PACKAGES) {
    throw new HttpError(
      413,
      `at most ${MAX_PROOFS_PACKAGES} packages per request (got ${packages.length}); split the request`,
    );
  }

  const wanted: ProofRequest[] = [];
  const malformed: Array<{ name: string; version: string; reason: string }> = [];
  for (const spec of packages as string[]) {
    const parsed = splitSpec(spec);
    if (parsed === undefined) {
      malformed.push({ name: spec.slice(0, 300), version: '', reason: 'malformed: expected name@version' });
      continue;
    }
    try {
      recordKey(parsed.name, parsed.version);
      wanted.push(parsed);
    } catch (e) {
      malformed.push({ ...parsed, reason: `malformed: ${(e as Error).message}` });
    }
  }

  const pending = new Set<ProofRequest>();
  if (ingest === true && ingestor !== undefined) {
    const absent = await Promise.all(
      wanted.map(async (p) =>
        (await log.lookupIndex(recordKey(p.name, p.version))) === undefined ? p : undefined,
      ),
    );
    const tasks = absent
      .filter((p): p is ProofRequest => p !== undefined)
      .map((p) => {
        pending.add(p);
        return ingestor.ingest(p.name, p.version).then(
          () => pending.delete(p),
          (e: unknown) => {
            const code = (e as { code?: unknown }).code;
            p.failure = `${typeof code === 'string' ? `${code}: ` : ''}${(e as Error).message}`;
            pending.delete(p);
          },
        );
      });
    const all = Promise.all(tasks);
    if (waitMs === undefined) await all;
    else {
      // Answer what is logged within waitMs; the rest keeps ingesting and is listed as "pending",
      // for the client to ask again (a long first ingest is progress, not a network fault).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        all,
        new Promise<void>((r) => {
          timer = setTimeout(r, waitMs);
        }),
      ]);
      clearTimeout(timer);
    }
  }
  const batch = await log.proofBatch(wanted.filter((p) => !pending.has(p)));
  batch.missing.push(...malformed);
  sendJson(res, 200, { ...batch, pending: [...pending].map((p) => ({ name: p.name, version: p.version })) });
}
