import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts listening (default 127.0.0.1, an ephemeral port) and returns `host:port` for a URL (IPv6 in brackets). */
export async function listen(
  server: Server,
  port: number | undefined,
  host: string | undefined,
): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port ?? 0, host ?? '127.0.0.1', () => resolve());
  });
  const { address, port: bound } = server.address() as AddressInfo;
  return `${address.includes(':') ? `[${address}]` : address}:${bound}`;
}
