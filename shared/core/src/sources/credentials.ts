import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Registry credentials from `.npmrc` files (`//host/path/:_authToken=...`, `:_auth=`,
 * `:username=` + `:_password=`), with `${ENV}` expansion. A credential is sent only to URLs under
 * the registry prefix it was written for: never to another source.
 */
export class Credentials {
  private readonly entries: Array<{ prefix: string; header: string }>;

  constructor(entries: Array<{ prefix: string; header: string }>) {
    // Longest prefix first, so `//host/private/` wins over `//host/`.
    this.entries = [...entries].sort((a, b) => b.prefix.length - a.prefix.length);
  }

  static none(): Credentials {
    return new Credentials([]);
  }

  /** Reads `<workspaceRoot>/.npmrc` and `~/.npmrc` (or `$NPM_CONFIG_USERCONFIG`); the project file wins. */
  static fromNpmrc(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): Credentials {
    const files = [path.join(workspaceRoot, '.npmrc'), env.NPM_CONFIG_USERCONFIG ?? env.npm_config_userconfig ?? path.join(env.HOME ?? os.homedir(), '.npmrc')];
    const byPrefix = new Map<string, Record<string, string>>();
    for (const file of files.reverse()) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const [prefix, key, value] of parseNpmrcAuth(text, env)) {
        byPrefix.set(prefix, { ...byPrefix.get(prefix), [key]: value });
      }
    }
    const entries: Array<{ prefix: string; header: string }> = [];
    for (const [prefix, fields] of byPrefix) {
      const header = authorizationHeader(fields);
      if (header !== undefined) entries.push({ prefix, header });
    }
    return new Credentials(entries);
  }

  /** The Authorization header for this URL, if a credential was written for its registry. */
  authorizationFor(url: string): string | undefined {
    const u = new URL(url);
    const key = `//${u.host}${u.pathname}`;
    return this.entries.find((e) => key.startsWith(e.prefix))?.header;
  }
}

function parseNpmrcAuth(text: string, env: NodeJS.ProcessEnv): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line.startsWith('//')) continue;
    const m = /^(\/\/[^:]+(?::\d+)?[^:]*\/):(_authToken|_auth|username|_password)\s*=\s*(.*)$/.exec(line);
    if (m === null) continue;
    const value = m[3]!.replace(/^"(.*)"$/, '$1').replace(/\$\{([^}]+)\}/g, (_, name: string) => env[name] ?? '');
    if (value !== '') out.push([m[1]!, m[2]!, value]);
  }
  return out;
}

function authorizationHeader(f: Record<string, string>): string | undefined {
  if (f._authToken !== undefined) return `Bearer ${f._authToken}`;
  if (f._auth !== undefined) return `Basic ${f._auth}`;
  if (f.username !== undefined && f._password !== undefined) {
    const password = Buffer.from(f._password, 'base64').toString('utf8');
    return `Basic ${Buffer.from(`${f.username}:${password}`).toString('base64')}`;
  }
  return undefined;
}
