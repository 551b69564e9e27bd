import { SumgateError } from '../errors.js';
import type { PnpmLockfileLike } from './pnpmLockfile.js';

/**
 * pnpm-lock.yaml text (lockfile v6 and v9) as the object {@link lockedRegistryPackages} and
 * {@link lockedExoticPackages} read: the `importers` and `packages` maps with each entry's
 * `resolution`, `name` and `version`. The file is the block-style YAML pnpm writes (mappings,
 * `{a: b, c: d}` flow maps, quoted keys and scalars); sequences are skipped, being nothing this
 * reader needs. A single-project v6 file (top-level `dependencies`) becomes importer `.`.
 */
export function parsePnpmLockText(text: string): PnpmLockfileLike {
  const doc = parseBlockMaps(text);
  const importers = asMap(doc['importers']);
  const single =
    importers === undefined &&
    ['dependencies', 'devDependencies', 'optionalDependencies', 'specifiers'].some((k) => k in doc)
      ? {
          '.': {
            dependencies: asMap(doc['dependencies']),
            devDependencies: asMap(doc['devDependencies']),
            optionalDependencies: asMap(doc['optionalDependencies']),
            specifiers: asMap(doc['specifiers']),
          },
        }
      : undefined;
  return {
    packages: asMap(doc['packages']) as PnpmLockfileLike['packages'],
    importers: (importers ?? single) as PnpmLockfileLike['importers'],
  };
}

type YamlMap = { [key: string]: unknown };

function asMap(v: unknown): YamlMap | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as YamlMap) : undefined;
}

function parseBlockMaps(text: string): YamlMap {
  const root: YamlMap = {};
  const stack: Array<{ indent: number; map: YamlMap }> = [{ indent: -1, map: root }];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    if (line.startsWith('- ') || line === '-') return;
    const entry = keyAndValue(line);
    if (entry === undefined)
      throw new SumgateError(
        'USAGE',
        `pnpm-lock.yaml line ${i + 1} is not a "key: value" line: ${JSON.stringify(line.slice(0, 120))}`,
        {
          fix: 'regenerate the lockfile with pnpm (pnpm install)',
        },
      );
    while (stack[stack.length - 1]!.indent >= indent) stack.pop();
    const parent = stack[stack.length - 1]!.map;
    if (entry.value === '') {
      const child: YamlMap = {};
      parent[entry.key] = child;
      stack.push({ indent, map: child });
    } else {
      parent[entry.key] = value(entry.value);
    }
  });
  return root;
}

/** `key: value`, `key:` or `'quoted key': value`; a key may hold colons (URLs), a value follows ": ". */
function keyAndValue(line: string): { key: string; value: string } | undefined {
  if (line.startsWith("'") || line.startsWith('"')) {
    const q = line[0]!;
    let end = 1;
    while (end < line.length && !(line[end] === q && line[end + 1] !== q)) end += line[end] === q ? 2 : 1;
    const rest = line.slice(end + 1);
    if (!rest.startsWith(':')) return undefined;
    return { key: unquote(line.slice(0, end + 1)), value: rest.slice(1).trim() };
  }
  if (line.endsWith(':')) return { key: line.slice(0, -1), value: '' };
  const sep = line.indexOf(': ');
  if (sep <= 0) return undefined;
  return { key: line.slice(0, sep), value: line.slice(sep + 2).trim() };
}

function value(v: string): unknown {
  if (v.startsWith('{') && v.endsWith('}')) {
    const map: YamlMap = {};
    const body = v.slice(1, -1).trim();
    if (body === '') return map;
    for (const part of body.split(/,\s+/)) {
      const e = keyAndValue(part.trim());
      if (e !== undefined) map[e.key] = unquote(e.value);
    }
    return map;
  }
  if (v.startsWith('[')) return v;
  return unquote(v);
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return JSON.parse(t) as string;
  return t;
}
