import type { NpmrcSettings } from './npmrc.js';

/**
 * Registry credentials from `.npmrc` (`//host/path/:_authToken=...`, `:_auth=`,
 * `:username=` + `:_password=`). A credential is sent only to URLs under
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

  /** Credentials written in `.npmrc` settings (see readNpmrc: the project file wins over the user's). */
  static fromNpmrc(settings: NpmrcSettings): Credentials {
    const byPrefix = new Map<string, Record<string, string>>();
    for (const [key, value] of settings) {
      const m = /^(\/\/[^:]+(?::\d+)?[^:]*\/):(_authToken|_auth|username|_password)$/.exec(key);
      if (m === null || value === '') continue;
      byPrefix.set(m[1]!, { ...byPrefix.get(m[1]!), [m[2]!]: value });
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

function authorizationHeader(f: Record<string, string>): string | undefined {
  if (f._authToken !== undefined) return `Bearer ${f._authToken}`;
  if (f._auth !== undefined) return `Basic ${f._auth}`;
  if (f.username !== undefined && f._password !== undefined) {
    const password = Buffer.from(f._password, 'base64').toString('utf8');
    return `Basic ${Buffer.from(`${f.username}:${password}`).toString('base64')}`;
  }
  return undefined;
}
