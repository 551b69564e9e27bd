/**
 * The normalised form of a JavaScript file: its syntax tree (acorn, ECMAScript latest) serialised
 * without positions, comments or raw text, so reformatting, quote style, semicolons, parentheses and
 * comments do not change it, and any change of code does. Script goal first (CommonJS), then module.
 */
import { parse } from 'acorn';
import type { Node, Options } from 'acorn';

const DROPPED = new Set(['start', 'end', 'loc', 'range', 'raw']);

export interface ParsedJs {
  readonly ast: Node;
  readonly sourceType: 'script' | 'module';
}

/** Parses a file as Node would run it; undefined when it is not JavaScript acorn can read. */
export function parseJs(path: string, bytes: Uint8Array): ParsedJs | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const goals: Array<'script' | 'module'> = path.endsWith('.mjs')
    ? ['module']
    : path.endsWith('.cjs')
      ? ['script']
      : ['script', 'module'];
  for (const sourceType of goals) {
    const options: Options = {
      ecmaVersion: 'latest',
      sourceType,
      allowHashBang: true,
      allowReturnOutsideFunction: sourceType === 'script',
      allowAwaitOutsideFunction: sourceType === 'module',
    };
    try {
      return { ast: parse(text, options), sourceType };
    } catch {
      // try the next goal
    }
  }
  return undefined;
}

/**
 * The canonical text of a syntax tree: JSON without positions or raw text (BigInt as text). A
 * string literal equal to the package's own `version` becomes `{"type":"Literal","ownVersion":true}`
 * (no `value` key, so no real literal has that form): the literal is fixed by the version, as the
 * version field the code could read from its package.json is, so it is not new code each release.
 */
export function normalizedAst(ast: Node, version?: string): string {
  const own = version === undefined || version === '' ? undefined : version;
  return JSON.stringify(ast, (key, value: unknown) => {
    if (DROPPED.has(key)) return undefined;
    if (typeof value === 'bigint') return `${value}n`;
    if (
      own !== undefined &&
      typeof value === 'object' &&
      value !== null &&
      (value as { type?: unknown }).type === 'Literal' &&
      (value as { value?: unknown }).value === own
    ) {
      return { type: 'Literal', ownVersion: true };
    }
    return value;
  });
}
