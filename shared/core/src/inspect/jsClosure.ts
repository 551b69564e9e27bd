/**
 * The static closure of the JavaScript a hook starts: from each entry file, every `require()`,
 * `import`, `import()` and `export ... from` that stays inside the package (relative paths and the
 * package's own bundled node_modules), and every string literal that names a code file of the
 * package (a script handed to `child_process` or a worker). Node built-ins and dependencies are
 * outside the package (the dependency names are folded into the install code instead).
 *
 * What cannot be followed statically widens the closure instead of being ignored, to what it can
 * reach (dynamicSpecifier.ts):
 * - `require(expr)` / `import(expr)` with a computed argument: `path.join(__dirname, 'x')` is
 *   followed as `./x`; `'./lib/' + name + '.js'` reaches the files under lib/ holding `.js` after
 *   the prefix; `` `@img/sharp-${p}/lib` `` reaches only bundled `node_modules/@img/sharp-...`
 *   (a dependency is not the package's code), unless the text could name the package itself;
 *   `process.env.INIT_CWD` paths are the project's files; anything else, the whole package;
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
import { fileBindings, reachOf } from './dynamicSpecifier.js';
import type { Reach } from './dynamicSpecifier.js';
import { SELF_REFERENCE_INPUT, selfReference } from './selfReference.js';
import { packageRelative, resolveNodePath } from './nodeResolution.js';
import type { ReadFile } from './nodeResolution.js';

export interface Widening {
  /** The file whose code could not be followed statically. */
  readonly from: string;
  /** The folder the closure was widened to ('' = the whole package, or nothing of it: see `reaches`). */
  readonly scope: string;
  readonly reason: string;
  /** The expression, as written (shortened). */
  readonly expression?: string;
  /** What it can reach, in words (`files under lib/ whose path holds ".js"`). */
  readonly reaches?: string;
  /** How many of the package's files it added to the closure. */
  readonly files?: number;
}

export interface ClosureOptions {
  /** The package's own name: a computed bare specifier that could name it reaches the package itself. */
  readonly name?: string;
  /** The package's own version: string literals equal to it are normalised (normalizedJs.ts). */
  readonly version?: string;
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

interface Found {
  specifiers: string[];
  literals: string[];
  /** `arg` undefined: not a call with an argument to read (whole package). */
  dynamic: Array<{ node: AnyNode; arg: AnyNode | undefined; reason: string }>;
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
          else if (arg !== undefined)
            found.dynamic.push({ node: n, arg, reason: 'require() with a computed argument' });
        }
        break;
      }
      case 'ImportExpression': {
        const source = n['source'] as AnyNode;
        const s = staticString(source);
        if (s !== undefined) found.specifiers.push(s);
        else found.dynamic.push({ node: n, arg: source, reason: 'import() with a computed argument' });
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
        const asProperty =
          parent?.type === 'MemberExpression' && key === 'property' && parent['computed'] !== true;
        const whole = (reason: string): void => {
          found.dynamic.push({ node: parent ?? n, arg: undefined, reason });
        };
        if (name === 'require' && !asCallee && !asObject && !asProperty) whole('`require` used as a value');
        if (name === 'require' && asProperty) whole('module.require');
        if (name === 'createRequire') whole('createRequire');
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
      if (Array.isArray(value)) {
        for (const v of value) if (isNode(v)) visit(v, n, k);
      } else if (isNode(value)) visit(value, n, k);
    }
  };
  visit(ast, undefined, '');
  return found;
}

/** Where a static specifier leads inside the package (undefined: a built-in or a dependency). */
function resolveSpecifier(
  read: ReadFile,
  fromFile: string,
  spec: string,
):
  | { file: string | undefined; more?: string[]; decidedBy: readonly string[]; steering?: string }
  | undefined {
  if (spec.startsWith('node:') || BUILTINS.has(spec)) return undefined;
  const dir = posix.dirname(fromFile) === '.' ? '' : posix.dirname(fromFile);
  if (spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..') {
    const target = packageRelative(dir, spec);
    return target === undefined ? undefined : resolveNodePath(read, target);
  }
  if (spec.startsWith('/') || spec.startsWith('file:')) return undefined;
  const self = selfReference(read, spec);
  if (self !== undefined) {
    // the first target Node finds; all of them, as conditions differ (selfReference.ts)
    const hits = self.targets.map((t) => resolveNodePath(read, t)).filter((r) => r.file !== undefined);
    return {
      file: hits[0]?.file,
      more: hits.slice(1).map((r) => r.file!),
      decidedBy: hits.flatMap((r) => r.decidedBy),
      steering: self.decidedBy,
    };
  }
  // a bare specifier: the package's own bundled node_modules, from the file's folder up to the root
  for (let d = dir; ; d = posix.dirname(d) === '.' ? '' : posix.dirname(d)) {
    const r = resolveNodePath(read, d === '' ? `node_modules/${spec}` : `${d}/node_modules/${spec}`);
    if (r.file !== undefined) return r;
    if (d === '') return undefined;
  }
}

const MAX_EXPRESSION = 120;

/** The package files a computed specifier can reach, and what that is in words (module doc). */
function reachedFiles(
  reach: Reach,
  dir: string,
  allPaths: readonly string[],
  read: ReadFile,
  name: string | undefined,
): { scope: string; reaches: string; paths: string[] } {
  // the root manifest is left to the install code's own lines only when nothing narrower names it
  const loadable = (p: string, suffix: string): boolean =>
    (p !== 'package.json' || suffix !== '') &&
    (WIDENED_KINDS.test(p) || (suffix !== '' && p.endsWith(suffix)));
  const whole = { scope: '', reaches: 'the whole package', paths: allPaths.filter((p) => loadable(p, '')) };
  if (reach.kind === 'unknown') return whole;
  if (reach.kind === 'project')
    return {
      scope: '',
      reaches: 'a file of the project being installed (INIT_CWD), outside the package',
      paths: [],
    };
  if (reach.kind === 'static')
    return { scope: '', reaches: `${JSON.stringify(reach.spec)}, followed as a static specifier`, paths: [] };
  // the specifier ends with the suffix; Node then adds nothing, an extension, or goes into a folder
  const holds = (rest: string): boolean => {
    if (reach.suffix === '') return true;
    for (let i = rest.indexOf(reach.suffix); i >= 0; i = rest.indexOf(reach.suffix, i + 1)) {
      const after = rest.slice(i + reach.suffix.length);
      if (after === '' || after === '.js' || after === '.json' || after === '.node' || after.startsWith('/'))
        return true;
    }
    return false;
  };
  if (reach.kind === 'package') {
    if (reach.pkg !== name) {
      const bundled = allPaths.filter(
        (p) =>
          p.includes(`node_modules/${reach.pkg}/`) &&
          loadable(p, reach.suffix) &&
          holds(p.slice(p.indexOf(`node_modules/${reach.pkg}/`) + 13 + reach.pkg.length)),
      );
      return {
        scope: '',
        reaches: `a file of the package ${JSON.stringify(reach.pkg)} (a dependency, not the package's files, except a bundled copy)`,
        paths: bundled,
      };
    }
    const suffix = reach.suffix;
    const paths = allPaths.filter((p) => loadable(p, suffix) && holds(`/${p}`));
    return {
      scope: '',
      reaches: `files of the package itself${suffix === '' ? '' : ` ending ${JSON.stringify(suffix)}`}`,
      paths,
    };
  }
  const tail = reach.suffix === '' ? '' : ` whose path holds ${JSON.stringify(reach.suffix)} after it`;
  if (reach.kind === 'bare') {
    if (
      name !== undefined &&
      (name.startsWith(reach.prefix) || reach.prefix === name || reach.prefix.startsWith(`${name}/`))
    ) {
      return {
        ...whole,
        reaches: `the whole package (${JSON.stringify(`${reach.prefix}...`)} could name the package itself)`,
      };
    }
    const paths = allPaths.filter((p) => {
      for (let i = p.indexOf('node_modules/'); i >= 0; i = p.indexOf('node_modules/', i + 1)) {
        const rest = p.slice(i + 'node_modules/'.length);
        if (
          rest.startsWith(reach.prefix) &&
          holds(rest.slice(reach.prefix.length)) &&
          loadable(p, reach.suffix)
        )
          return true;
      }
      return false;
    });
    return {
      scope: '',
      reaches: `packages named ${JSON.stringify(`${reach.prefix}...`)}${tail}: dependencies, not the package's files, except bundled node_modules`,
      paths,
    };
  }
  const joined = posix.normalize(posix.join(dir === '' ? '.' : dir, reach.prefix));
  if (joined === '..' || joined.startsWith('../'))
    return { scope: '', reaches: 'files outside the package', paths: [] };
  const start = joined === '.' || joined === './' ? '' : joined;
  // at a folder boundary the hole may be empty, so a suffix '/x' also matches the folder's own x
  const atFolder = start === '' || start.endsWith('/');
  const paths = new Set(
    allPaths.filter(
      (p) =>
        p.startsWith(start) &&
        holds(`${atFolder ? '/' : ''}${p.slice(start.length)}`) &&
        loadable(p, reach.suffix),
    ),
  );
  // a folder matching the pattern resolves through its package.json main, which may point anywhere
  for (const p of allPaths) {
    if (!p.endsWith('/package.json') || !p.startsWith(start)) continue;
    const folder = p.slice(0, -'/package.json'.length);
    if (folder.length < start.length || (reach.suffix !== '' && !folder.endsWith(reach.suffix))) continue;
    paths.add(p);
    const r = resolveNodePath(read, folder);
    if (r.file !== undefined) paths.add(r.file);
  }
  const scope = start.endsWith('/')
    ? start.slice(0, -1)
    : start.includes('/')
      ? start.slice(0, start.lastIndexOf('/'))
      : '';
  return {
    scope,
    reaches: `files ${start === '' ? 'of the package' : `starting ${JSON.stringify(start)}`}${tail}`,
    paths: [...paths],
  };
}

/** The closure of `entries` (package-relative files) over the package's files. */
export function jsClosure(
  read: ReadFile,
  allPaths: readonly string[],
  entries: Iterable<string>,
  opts: ClosureOptions = {},
): Closure {
  const files = new Map<string, Uint8Array | string>();
  const widened: Widening[] = [];
  const queue: string[] = [...entries];
  const add = (path: string): void => {
    if (!files.has(path) && read(path) !== undefined) queue.push(path);
  };
  const follow = (path: string, spec: string): void => {
    const r = resolveSpecifier(read, path, spec);
    if (r === undefined) return;
    for (const pj of r.decidedBy) if (!files.has(pj)) files.set(pj, read(pj)!);
    if (r.file !== undefined) add(r.file);
    for (const f of r.more ?? []) add(f);
    if (r.steering !== undefined) files.set(SELF_REFERENCE_INPUT, r.steering);
  };
  const widen = (w: Omit<Widening, 'files'>, paths: readonly string[]): void => {
    let added = 0;
    for (const p of paths)
      if (!files.has(p) && !queue.includes(p)) {
        added++;
        add(p);
      }
    widened.push({ ...w, files: added });
  };
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (files.has(path)) continue;
    const bytes = read(path);
    if (bytes === undefined) continue;
    const parsed = isJsPath(path) || !posix.basename(path).includes('.') ? parseJs(path, bytes) : undefined;
    if (parsed === undefined) {
      files.set(path, bytes);
      if (isJsPath(path))
        widen(
          {
            from: path,
            scope: '',
            reason: 'JavaScript the parser cannot read',
            reaches: 'the whole package',
          },
          allPaths.filter((p) => p !== 'package.json' && WIDENED_KINDS.test(p)),
        );
      continue;
    }
    files.set(path, `js:${normalizedAst(parsed.ast, opts.version)}`);
    const found = scan(parsed.ast as AnyNode);
    for (const spec of found.specifiers) follow(path, spec);
    const dir = posix.dirname(path) === '.' ? '' : posix.dirname(path);
    for (const lit of found.literals) {
      if (!CODE_LITERAL.test(lit) && !lit.startsWith('./') && !lit.startsWith('../')) continue;
      for (const base of [dir, '']) {
        const target = packageRelative(base, lit);
        if (target !== undefined && read(target) !== undefined && CODE_LITERAL.test(target)) add(target);
      }
    }
    if (found.dynamic.length === 0) continue;
    const bindings = fileBindings(parsed.ast as AnyNode);
    const text = new TextDecoder().decode(bytes);
    for (const d of found.dynamic) {
      const reach: Reach = d.arg === undefined ? { kind: 'unknown' } : reachOf(d.arg, bindings);
      if (reach.kind === 'static') follow(path, reach.spec);
      const r = reachedFiles(reach, dir, allPaths, read, opts.name);
      const source = text.slice(d.node.start, d.node.end).replace(/\s+/g, ' ');
      const expression = source.length > MAX_EXPRESSION ? `${source.slice(0, MAX_EXPRESSION)}...` : source;
      widen({ from: path, scope: r.scope, reason: d.reason, expression, reaches: r.reaches }, r.paths);
    }
  }
  return { files, widened };
}
