/**
 * The static closure of the JavaScript a hook starts: from each entry file, every `require()`,
 * `import`, `import()` and `export ... from` that stays inside the package (relative paths and the
 * package's own bundled node_modules), and every string literal that names a code file of the
 * package (a script handed to `child_process` or a worker). Node built-ins and dependencies are
 * outside the package (the dependency names are folded into the install code instead).
 *
 * What cannot be followed statically widens the closure instead of being ignored:
 * - `require(expr)` / `import(expr)` with a computed argument: every file under the argument's
 *   static directory prefix (`require('./lib/' + name)` -> all of lib/), or the whole package;
 * - `require` used as a value, `module.require`, `createRequire`, or a JavaScript file acorn
 *   cannot parse: the whole package.
 * Widened files are part of the closure (and followed in turn): the files Node can load
 * (.js/.cjs/.mjs/.json/.node/.wasm, and .sh), not documentation or types; the root package.json
 * is covered by the install code's own lines (hooks, scripts, dependencies).
 */
import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import type { Node } from 'acorn';
import { parseJs, normalizedAst } from './normalizedJs.js';
import { packageRelative, resolveNodePath } from './nodeResolution.js';
import type { ReadFile } from './nodeResolution.js';

export interface Widening {
  /** The file whose code could not be followed statically. */
  readonly from: string;
  /** The folder the closure was widened to ('' = the whole package). */
  readonly scope: string;
  readonly reason: string;
}

export interface Closure {
  /** path -> the file's content, normalised for JavaScript ("js:" + syntax tree) or raw. */
  readonly files: Map<string, Uint8Array | string>;
  readonly widened: Widening[];
}

const JS_EXTENSIONS = ['.js', '.cjs', '.mjs'];
const CODE_LITERAL = /\.(?:c?js|mjs|node|sh)$/;
const BUILTINS = new Set(builtinModules);
/** What a computed require/import can load (Node's loaders; `.sh` for spawned scripts). Docs, types and the root manifest are not. */
const WIDENED_KINDS = /\.(?:c?js|mjs|json|node|sh|wasm)$/;

export function isJsPath(path: string): boolean {
  return JS_EXTENSIONS.some((e) => path.endsWith(e));
}

type AnyNode = Node & Record<string, unknown>;

function isNode(v: unknown): v is AnyNode {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

function staticString(n: AnyNode | null | undefined): string | undefined {
  // `export { a }` has `source: null`; `require()` has no argument.
  if (n === undefined || n === null) return undefined;
  if (n.type === 'Literal' && typeof n['value'] === 'string') return n['value'];
  if (n.type === 'TemplateLiteral' && (n['expressions'] as unknown[]).length === 0) {
    return ((n['quasis'] as AnyNode[])[0]!['value'] as { cooked: string | null }).cooked ?? undefined;
  }
  return undefined;
}

/** The static leading text of a computed specifier ('./lib/' of `'./lib/' + x` or `./lib/${x}`). */
function staticPrefix(n: AnyNode | null | undefined): string {
  if (n === undefined || n === null) return '';
  if (n.type === 'TemplateLiteral') return ((n['quasis'] as AnyNode[])[0]!['value'] as { cooked: string | null }).cooked ?? '';
  if (n.type === 'BinaryExpression' && n['operator'] === '+') {
    const left = n['left'] as AnyNode;
    return staticString(left) ?? staticPrefix(left);
  }
  return '';
}

interface Found {
  specifiers: string[];
  literals: string[];
  dynamic: Array<{ prefix: string; reason: string }>;
}

function scan(ast: AnyNode): Found {
  const found: Found = { specifiers: [], literals: [], dynamic: [] };
  const visit = (n: AnyNode, parent: AnyNode | undefined, key: string): void => {
    switch (n.type) {
      case 'CallExpression': {
        const callee = n['callee'] as AnyNode;
        const arg = (n['arguments'] as AnyNode[])[0];
        if (callee.type === 'Identifier' && callee['name'] === 'require') {
          const s = staticString(arg);
          if (s !== undefined) found.specifiers.push(s);
          else found.dynamic.push({ prefix: staticPrefix(arg), reason: 'require() with a computed argument' });
        }
        break;
      }
      case 'ImportExpression': {
        const source = n['source'] as AnyNode;
        const s = staticString(source);
        if (s !== undefined) found.specifiers.push(s);
        else found.dynamic.push({ prefix: staticPrefix(source), reason: 'import() with a computed argument' });
        break;
      }
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
      case 'ExportNamedDeclaration': {
        const s = staticString(n['source'] as AnyNode | null | undefined);
        if (s !== undefined) found.specifiers.push(s);
        break;
      }
      case 'Identifier': {
        const name = n['name'];
        const asCallee = parent?.type === 'CallExpression' && key === 'callee';
        const asObject = parent?.type === 'MemberExpression' && key === 'object';
        const asProperty = parent?.type === 'MemberExpression' && key === 'property' && parent['computed'] !== true;
        if (name === 'require' && !asCallee && !asObject && !asProperty) found.dynamic.push({ prefix: '', reason: '`require` used as a value' });
        if (name === 'require' && asProperty) found.dynamic.push({ prefix: '', reason: 'module.require' });
        if (name === 'createRequire') found.dynamic.push({ prefix: '', reason: 'createRequire' });
        break;
      }
      case 'Literal': {
        if (typeof n['value'] === 'string') found.literals.push(n['value']);
        break;
      }
      case 'TemplateLiteral': {
        const s = staticString(n);
        if (s !== undefined) found.literals.push(s);
        break;
      }
      default:
        break;
    }
    for (const [k, value] of Object.entries(n)) {
      if (Array.isArray(value)) { for (const v of value) if (isNode(v)) visit(v, n, k); }
      else if (isNode(value)) visit(value, n, k);
    }
  };
  visit(ast, undefined, '');
  return found;
}

/** Where a static specifier leads inside the package (undefined: a built-in or a dependency). */
function resolveSpecifier(read: ReadFile, fromFile: string, spec: string): { file: string | undefined; decidedBy: readonly string[] } | undefined {
  if (spec.startsWith('node:') || BUILTINS.has(spec)) return undefined;
  const dir = posix.dirname(fromFile) === '.' ? '' : posix.dirname(fromFile);
  if (spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..') {
    const target = packageRelative(dir, spec);
    return target === undefined ? undefined : resolveNodePath(read, target);
  }
  if (spec.startsWith('/') || spec.startsWith('file:')) return undefined;
  // a bare specifier: the package's own bundled node_modules, from the file's folder up to the root
  for (let d = dir; ; d = posix.dirname(d) === '.' ? '' : posix.dirname(d)) {
    const r = resolveNodePath(read, d === '' ? `node_modules/${spec}` : `${d}/node_modules/${spec}`);
    if (r.file !== undefined) return r;
    if (d === '') return undefined;
  }
}

/** The closure of `entries` (package-relative files) over the package's files. */
export function jsClosure(read: ReadFile, allPaths: readonly string[], entries: Iterable<string>): Closure {
  const files = new Map<string, Uint8Array | string>();
  const widened: Widening[] = [];
  const queue: string[] = [...entries];
  const add = (path: string): void => { if (!files.has(path) && read(path) !== undefined) queue.push(path); };
  const widen = (from: string, scope: string, reason: string): void => {
    widened.push({ from, scope, reason });
    for (const p of allPaths) if ((scope === '' || p.startsWith(`${scope}/`)) && WIDENED_KINDS.test(p) && p !== 'package.json') add(p);
  };
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (files.has(path)) continue;
    const bytes = read(path);
    if (bytes === undefined) continue;
    const parsed = isJsPath(path) || !posix.basename(path).includes('.') ? parseJs(path, bytes) : undefined;
    if (parsed === undefined) {
      files.set(path, bytes);
      if (isJsPath(path)) widen(path, '', 'JavaScript the parser cannot read');
      continue;
    }
    files.set(path, `js:${normalizedAst(parsed.ast)}`);
    const found = scan(parsed.ast as AnyNode);
    for (const spec of found.specifiers) {
      const r = resolveSpecifier(read, path, spec);
      if (r === undefined) continue;
      for (const pj of r.decidedBy) if (!files.has(pj)) files.set(pj, read(pj)!);
      if (r.file !== undefined) add(r.file);
    }
    const dir = posix.dirname(path) === '.' ? '' : posix.dirname(path);
    for (const lit of found.literals) {
      if (!CODE_LITERAL.test(lit) && !lit.startsWith('./') && !lit.startsWith('../')) continue;
      for (const base of [dir, '']) {
        const target = packageRelative(base, lit);
        if (target !== undefined && read(target) !== undefined && CODE_LITERAL.test(target)) add(target);
      }
    }
    for (const d of found.dynamic) {
      const prefixDir = d.prefix.includes('/') ? d.prefix.slice(0, d.prefix.lastIndexOf('/')) : '';
      const scope = prefixDir.startsWith('.') ? packageRelative(dir, prefixDir) ?? '' : '';
      widen(path, scope, d.reason);
    }
  }
  return { files, widened };
}
