import { parseArgs, UsageError } from '../args.js';
import { openGate } from '../gateFor.js';
import type { Command } from '../io.js';
import { GateReloader } from '../proxy/gateReloader.js';
import { startProxy } from '../proxy/proxyServer.js';

/** The port `sumgate proxy` listens on unless told otherwise: lockfiles record it, so it is fixed. */
export const DEFAULT_PROXY_PORT = 4880;

/** `sumgate proxy`: a verifying npm registry on 127.0.0.1 for npm, Bun, Yarn 1 and any npm client. */
export const proxy: Command = {
  name: 'proxy',
  summary: 'serve a verifying npm registry on 127.0.0.1 for npm, Bun and Yarn 1 (sumgate proxy --help)',
  usage: `usage: sumgate proxy [--port <n>] [--host <address>] [--policy <file>]

Serves the npm registry API to any npm client from the policy's sources, with failover. Every
tarball is proven in the checksum log, its bytes checked against the logged sha512 (a source that
serves other bytes is passed over) and its install-time code read from the bytes and judged by the
quarantine rules before a byte reaches the client. Packuments point tarball URLs at the proxy and
carry the log's integrity. A refused version's tarball is answered 403 with the code, cause and fix
(or, with "proxy": {"quarantined": "omit"} in the policy, it is left out of the packument).

  --port <n>        port (default ${DEFAULT_PROXY_PORT}; 0 picks a free one); lockfiles record it
  --host <address>  address to listen on (default 127.0.0.1)
  --policy <file>   the policy file (default: sumgate.jsonc at the workspace root)

The policy and .npmrc are read again when they change (an approval applies on the next request).
Runs until SIGINT or SIGTERM.

examples:
  sumgate proxy                                         then point a client at it:
  npm config set registry http://127.0.0.1:${DEFAULT_PROXY_PORT}/
  bun install --registry http://127.0.0.1:${DEFAULT_PROXY_PORT}/
  yarn install --registry http://127.0.0.1:${DEFAULT_PROXY_PORT}/         (Yarn 1)
  sumgate proxy --port 0 --policy ci/sumgate.jsonc      a free port, another policy file`,
  async run(argv, io) {
    const args = parseArgs(argv, { port: 'string', host: 'string', policy: 'string', help: 'boolean' });
    if (args.flags.help === true) {
      io.stdout(`${this.usage}\n`);
      return 0;
    }
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const portText = typeof args.flags.port === 'string' ? args.flags.port : String(DEFAULT_PROXY_PORT);
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535)
      throw new UsageError(`--port must be a port number (0-65535), got ${portText}`);
    const say = (line: string): void => io.stderr(`${line}\n`);
    const gates = new GateReloader(() => openGate(io, io.cwd, args.flags.policy), io.env, say);
    const gate = gates.current();
    const running = await startProxy({
      gate: () => gates.current(),
      host: typeof args.flags.host === 'string' ? args.flags.host : undefined,
      port,
      say,
    });
    io.stdout(
      `sumgate proxy: listening on ${running.url} (policy ${gate.policy.file ?? 'built-in defaults'}, ${gate.policy.sources.length} source(s), log ${gate.policy.log?.url ?? 'none'})\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await running.close();
    return 0;
  },
};
