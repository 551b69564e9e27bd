import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { isRefused } from '@sumgate/core';
import type { Gate, Packument } from '@sumgate/core';
import { listen } from '@sumgate/log';
import { packumentView } from './packumentView.js';
import { parseProxyPath } from './proxyPaths.js';
import { proxyAnswerFor } from './proxyRefusal.js';

export interface ProxyOptions {
  /** The Gate for each request (GateReloader: reopened when the policy file changes). */
  readonly gate: () => Gate;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  /** One line per served or refused request (stderr in the CLI). */
  readonly say: (line: string) => void;
}

export interface RunningProxy {
  /** The base URL clients use as their registry (ends with `/`). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * `sumgate proxy`: an npm registry on 127.0.0.1 for clients with no plugin API (npm, Bun, Yarn 1).
 * Packuments come from the policy's sources with failover, their tarball URLs rewritten to the
 * proxy; every tarball is the Gate's `fetchVerified` (proven in the log, bytes checked against the
 * logged sha512 with failover past a source that serves others, install-time code read from the
 * bytes, the verdict) before a byte is sent. The client's own headers (its Authorization included)
 * are never forwarded: the sources get only the credentials .npmrc writes for each of them.
 */
export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const { say } = opts;
  /** Upstream tarball URLs seen in packuments (name@version -> URL): the source's own path is kept. */
  const upstreamTarballs = new Map<string, string>();
  let base = '';

  const packument = async (gate: Gate, name: string): Promise<Packument> => {
    const fetched = await gate.sources.fetchPackument(name);
    for (const f of fetched.failures)
      say(`sumgate proxy: ${name}: source ${f.source} passed over (${f.reason})`);
    const upstream = fetched.value;
    for (const [version, m] of Object.entries(upstream.versions)) {
      if (typeof m.dist?.tarball === 'string') upstreamTarballs.set(`${name}@${version}`, m.dist.tarball);
    }
    const checked = gate.enabled && !gate.isExempt(name);
    const versions = Object.keys(upstream.versions);
    const logged = new Map<string, string>();
    const omit = new Set<string>();
    const omitted: string[] = [];
    if (checked && gate.policy.proxyQuarantined === 'omit') {
      // Every version is judged (ingesting the ones the log lacks), so a range skips the refused ones.
      const verdicts = await gate.verifyLocked(
        versions.map((version) => ({
          name,
          version,
          integrity: upstream.versions[version]?.dist?.integrity,
        })),
      );
      for (const v of verdicts) {
        if (!isRefused(v)) continue;
        const unavailable = v.problems.find((p) => p.tier === 'unavailable');
        if (unavailable !== undefined) throw unavailable; // could not check is never "omit"
        omit.add(v.version);
        omitted.push(`${v.version} (${v.problems.map((p) => p.code).join(', ')})`);
      }
      if (omitted.length > 0)
        say(`sumgate proxy: ${name}: left out of the packument (refused): ${omitted.join(', ')}`);
    } else if (checked) {
      // The log's integrity for the versions it already has (no ingestion: the tarball request proves the one
      // chosen).
      const found = await gate.log.lookupMany(
        versions.map((version) => ({ name, version })),
        false,
      );
      for (const [key, r] of found.found) logged.set(key.slice(name.length + 1), r.record.integrity);
    }
    return packumentView(upstream, name, { proxyUrl: base, logged, omit });
  };

  const tarball = async (gate: Gate, name: string, version: string): Promise<Buffer> => {
    const v = await gate.fetchVerified({
      name,
      version,
      tarballUrl: upstreamTarballs.get(`${name}@${version}`),
    });
    say(
      `sumgate proxy: verified ${name}@${version} from ${v.source}${v.verdict.logIndex === undefined ? ` (${v.verdict.decision})` : ` (log leaf ${v.verdict.logIndex})`}`,
    );
    return v.bytes;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const what = parseProxyPath(req.url ?? '/');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, {
        error: `sumgate proxy serves reads only (${req.method ?? ''} ${req.url ?? ''})`,
      });
    try {
      if (what.kind === 'ping') return send(res, 200, {});
      if (what.kind === 'packument') return send(res, 200, await packument(opts.gate(), what.name));
      if (what.kind === 'tarball') {
        const bytes = await tarball(opts.gate(), what.name, what.version);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
        res.end(req.method === 'HEAD' ? undefined : bytes);
        return;
      }
      if (what.kind === 'invalid')
        return send(res, 400, {
          error: `sumgate proxy: ${what.reason}; fix: request a valid npm package name (nothing was fetched)`,
        });
      return send(res, 404, { error: `sumgate proxy: ${req.url ?? ''} is not a packument or tarball path` });
    } catch (e) {
      const answer = proxyAnswerFor(e);
      say(`sumgate proxy: ${req.method ?? 'GET'} ${req.url ?? ''} -> ${answer.status} ${answer.body.error}`);
      return send(res, answer.status, answer.body);
    }
  };

  const server: Server = createServer({ headersTimeout: 30_000, requestTimeout: 600_000 }, (req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, proxyAnswerFor(e).body));
  });
  const authority = await listen(server, opts.port, opts.host);
  base = `http://${authority}/`;
  return {
    url: base,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
