import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The `.npmrc` settings sumgate honours, read once: the workspace's `.npmrc` over the user's
 * (`$NPM_CONFIG_USERCONFIG` or `~/.npmrc`). `${ENV}` references are expanded.
 */
export type NpmrcSettings = ReadonlyMap<string, string>;

/** The .npmrc files read, lowest precedence first: the user's (npm's `userconfig`), then the workspace's. */
export function npmrcFiles(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const user =
    env.NPM_CONFIG_USERCONFIG ?? env.npm_config_userconfig ?? path.join(env.HOME ?? os.homedir(), '.npmrc');
  return [user, path.join(workspaceRoot, '.npmrc')];
}

export function readNpmrc(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): NpmrcSettings {
  const settings = new Map<string, string>();
  for (const file of npmrcFiles(workspaceRoot, env)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
      const eq = line.indexOf('=');
      if (eq === -1) continue;
      const value = line
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .replace(/\$\{([^}]+)\}/g, (_, name: string) => env[name] ?? '');
      settings.set(line.slice(0, eq).trim(), value);
    }
  }
  return settings;
}

/** TLS trust from `.npmrc` (`cafile`, `ca`, `strict-ssl`), as npm and pnpm apply it behind a corporate proxy. */
export function tlsOptions(settings: NpmrcSettings): { ca?: string[]; rejectUnauthorized: boolean } {
  const extra: string[] = [];
  const cafile = settings.get('cafile');
  if (cafile !== undefined && cafile !== '') {
    try {
      extra.push(readFileSync(cafile, 'utf8'));
    } catch {
      // an unreadable cafile: npm ignores it too
    }
  }
  const ca = settings.get('ca');
  if (ca !== undefined && ca !== '' && ca !== 'null') extra.push(ca.replace(/\\n/g, '\n'));
  return {
    ...(extra.length === 0 ? {} : { ca: extra }),
    rejectUnauthorized: settings.get('strict-ssl') !== 'false',
  };
}
