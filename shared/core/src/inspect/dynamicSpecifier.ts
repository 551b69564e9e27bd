/**
 * What a computed `require(expr)` / `import(expr)` can reach, read from the expression itself
 * (record-format.md §"Install code" 2.5): the specifier is evaluated to static text and holes
 * (values not known statically), then classified:
 * - no hole: a static specifier (`path.join(__dirname, 'package.json')`, `` `./a.js` ``);
 * - a path from the file's own folder (`__dirname`, `path.join`/`path.resolve(__dirname, ...)`,
 *   `'./lib/' + x`): files under the static leading folder whose path holds the static trailing text;
 * - a bare leading text (`` `@img/sharp-${platform}/lib` ``): a package of that name in node_modules,
 *   so only the package's own bundled `node_modules/<prefix>...` files, or the whole package when the
 *   text could name the package itself (pnpm and npm put a package beside its own name);
 * - `process.env.INIT_CWD` first: a file of the project being installed, outside the package;
 * - anything else (no leading text, an absolute or `#` leading text): the whole package.
 * A hole is taken to be a name, not a climb out of the folder with `..`: the code computing it is
 * itself part of the fingerprint, so changing what it yields means changing hashed code.
 * `path` and `__dirname` are trusted only when the file binds the name exactly once (to
 * `require('path')` or an import of it) and never reassigns it, and has no `with` or `eval`.
 */
import type { Node } from 'acorn';

type AnyNode = Node & Record<string, unknown>;

export type Reach =
  | { readonly kind: 'static'; readonly spec: string }
  | { readonly kind: 'relative'; readonly prefix: string; readonly suffix: string }
  | { readonly kind: 'bare'; readonly prefix: string; readonly suffix: string }
  | { readonly kind: 'project' }
  /** A path inside the package named `pkg` (its own name: the package itself; else a dependency). */
  | { readonly kind: 'package'; readonly pkg: string; readonly suffix: string }
  | { readonly kind: 'unknown' };

const HOLE: unique symbol = Symbol('hole');
const DIR: unique symbol = Symbol('dirname');
const PROJECT: unique symbol = Symbol('INIT_CWD');
/** `path.dirname(require.resolve('<name>'))`: a folder of the package named <name>. */
interface PackageFolder {
  readonly pkg: string;
}
type Part = string | typeof HOLE | typeof DIR | typeof PROJECT | PackageFolder;

/** Which names a file surely binds to Node's `path` module, and whether `__dirname` is Node's. */
export interface FileBindings {
  readonly pathModules: ReadonlySet<string>;
  readonly dirnameIsNodes: boolean;
}

function isNode(v: unknown): v is AnyNode {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

function walk(n: AnyNode, f: (n: AnyNode, parent: AnyNode | undefined) => void, parent?: AnyNode): void {
  f(n, parent);
  for (const value of Object.values(n)) {
    if (Array.isArray(value)) {
      for (const v of value) if (isNode(v)) walk(v, f, n);
    } else if (isNode(value)) walk(value, f, n);
  }
}

function patternNames(p: AnyNode | null | undefined, out: string[]): void {
  if (p === null || p === undefined) return;
  if (p.type === 'Identifier') out.push(p['name'] as string);
  else if (p.type === 'ObjectPattern')
    for (const prop of p['properties'] as AnyNode[])
      patternNames((prop.type === 'RestElement' ? prop['argument'] : prop['value']) as AnyNode, out);
  else if (p.type === 'ArrayPattern')
    for (const e of p['elements'] as Array<AnyNode | null>) patternNames(e, out);
  else if (p.type === 'RestElement') patternNames(p['argument'] as AnyNode, out);
  else if (p.type === 'AssignmentPattern') patternNames(p['left'] as AnyNode, out);
}

function isPathModule(n: AnyNode | null | undefined): boolean {
  if (n === null || n === undefined) return false;
  // esbuild's and TypeScript's CommonJS interop wrappers: __toESM(require("path")),
  // __importStar(require("path"))
  if (
    n.type === 'CallExpression' &&
    (n['callee'] as AnyNode).type === 'Identifier' &&
    (n['arguments'] as AnyNode[]).length === 1 &&
    (n['callee'] as AnyNode)['name'] !== 'require'
  ) {
    return isPathModule((n['arguments'] as AnyNode[])[0]);
  }
  if (
    n.type !== 'CallExpression' ||
    (n['callee'] as AnyNode).type !== 'Identifier' ||
    (n['callee'] as AnyNode)['name'] !== 'require'
  )
    return false;
  const arg = (n['arguments'] as AnyNode[])[0];
  return arg?.type === 'Literal' && (arg['value'] === 'path' || arg['value'] === 'node:path');
}

export function fileBindings(ast: AnyNode): FileBindings {
  const declared = new Map<string, number>();
  const assigned = new Set<string>();
  const pathBound = new Set<string>();
  let unsafe = false;
  const declare = (names: string[]): void => {
    for (const n of names) declared.set(n, (declared.get(n) ?? 0) + 1);
  };
  walk(ast, (n) => {
    switch (n.type) {
      case 'VariableDeclarator': {
        const names: string[] = [];
        patternNames(n['id'] as AnyNode, names);
        declare(names);
        if ((n['id'] as AnyNode).type === 'Identifier' && isPathModule(n['init'] as AnyNode))
          pathBound.add((n['id'] as AnyNode)['name'] as string);
        break;
      }
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression': {
        const names: string[] = [];
        if (n['id'] !== null && n['id'] !== undefined) patternNames(n['id'] as AnyNode, names);
        for (const p of n['params'] as AnyNode[]) patternNames(p, names);
        declare(names);
        break;
      }
      case 'ClassDeclaration':
      case 'ClassExpression': {
        const names: string[] = [];
        patternNames(n['id'] as AnyNode, names);
        declare(names);
        break;
      }
      case 'CatchClause': {
        const names: string[] = [];
        patternNames(n['param'] as AnyNode, names);
        declare(names);
        break;
      }
      case 'ImportDeclaration': {
        const source = (n['source'] as AnyNode)['value'];
        for (const s of n['specifiers'] as AnyNode[]) {
          const local = (s['local'] as AnyNode)['name'] as string;
          declare([local]);
          if ((source === 'path' || source === 'node:path') && s.type !== 'ImportSpecifier')
            pathBound.add(local);
        }
        break;
      }
      case 'AssignmentExpression': {
        const names: string[] = [];
        patternNames(n['left'] as AnyNode, names);
        for (const name of names) assigned.add(name);
        break;
      }
      case 'UpdateExpression':
        if ((n['argument'] as AnyNode).type === 'Identifier')
          assigned.add((n['argument'] as AnyNode)['name'] as string);
        break;
      case 'WithStatement':
        unsafe = true;
        break;
      case 'Identifier':
        if (n['name'] === 'eval') unsafe = true;
        break;
      default:
        break;
    }
  });
  if (unsafe) return { pathModules: new Set(), dirnameIsNodes: false };
  const pathModules = new Set(
    [...pathBound].filter((name) => declared.get(name) === 1 && !assigned.has(name)),
  );
  return { pathModules, dirnameIsNodes: !declared.has('__dirname') && !assigned.has('__dirname') };
}

function pathCall(n: AnyNode, b: FileBindings): 'join' | 'resolve' | 'dirname' | undefined {
  if (n.type !== 'CallExpression') return undefined;
  const callee = n['callee'] as AnyNode;
  if (callee.type !== 'MemberExpression' || callee['computed'] === true) return undefined;
  const object = callee['object'] as AnyNode;
  const property = (callee['property'] as AnyNode)['name'];
  if (object.type !== 'Identifier' || !b.pathModules.has(object['name'] as string)) return undefined;
  return property === 'join' || property === 'resolve' || property === 'dirname' ? property : undefined;
}

function isInitCwd(n: AnyNode): boolean {
  if (
    n.type !== 'MemberExpression' ||
    n['computed'] === true ||
    (n['property'] as AnyNode)['name'] !== 'INIT_CWD'
  )
    return false;
  const env = n['object'] as AnyNode;
  return (
    env.type === 'MemberExpression' &&
    env['computed'] !== true &&
    (env['property'] as AnyNode)['name'] === 'env' &&
    (env['object'] as AnyNode).type === 'Identifier' &&
    (env['object'] as AnyNode)['name'] === 'process'
  );
}

/** path.join's output for its evaluated arguments (static segments normalised, holes kept). */
function joined(args: Part[][]): Part[] {
  const out: Part[] = [];
  args.forEach((parts, i) => {
    if (i > 0 && parts.length > 0) out.push('/');
    out.push(...parts);
  });
  return out;
}

function evaluate(n: AnyNode | undefined, b: FileBindings): Part[] {
  if (n === undefined) return [HOLE];
  if (n.type === 'Literal') return typeof n['value'] === 'string' ? [n['value']] : [HOLE];
  if (n.type === 'TemplateLiteral') {
    const quasis = n['quasis'] as AnyNode[];
    const exprs = n['expressions'] as AnyNode[];
    const out: Part[] = [];
    quasis.forEach((q, i) => {
      const cooked = (q['value'] as { cooked: string | null }).cooked;
      out.push(cooked ?? HOLE);
      if (i < exprs.length) out.push(...evaluate(exprs[i], b));
    });
    return out;
  }
  if (n.type === 'BinaryExpression' && n['operator'] === '+')
    return [...evaluate(n['left'] as AnyNode, b), ...evaluate(n['right'] as AnyNode, b)];
  if (n.type === 'Identifier' && n['name'] === '__dirname' && b.dirnameIsNodes) return [DIR];
  if (isInitCwd(n)) return [PROJECT];
  const call = pathCall(n, b);
  if (call !== undefined) {
    const args = (n['arguments'] as AnyNode[]).map((a) =>
      a.type === 'SpreadElement' ? ([HOLE] as Part[]) : evaluate(a, b),
    );
    const first = args[0]?.[0];
    if (call === 'dirname') {
      const inner = (n['arguments'] as AnyNode[])[0];
      const spec = resolvedBare(inner);
      return spec === undefined ? [HOLE] : [{ pkg: spec }, HOLE];
    }
    // path.resolve restarts at any absolute argument: only a fully static tail after the first is followed
    if (call === 'resolve' && args.slice(1).some((a) => a.some((p) => typeof p !== 'string'))) return [HOLE];
    if (first === DIR || first === PROJECT) return joined(args);
    if (call === 'join') {
      // path.join('./lib', x) is 'lib/...': a bare specifier for require, not a relative one
      const out = joined(args);
      if (typeof out[0] === 'string') out[0] = out[0].replace(/^(?:\.\/)+/, '');
      return out;
    }
    return [HOLE];
  }
  return [HOLE];
}

/** The bare name in `require.resolve('<name>')` (undefined for anything else). */
function resolvedBare(n: AnyNode | undefined): string | undefined {
  if (n === undefined || n.type !== 'CallExpression') return undefined;
  const callee = n['callee'] as AnyNode;
  if (
    callee.type !== 'MemberExpression' ||
    callee['computed'] === true ||
    (callee['property'] as AnyNode)['name'] !== 'resolve'
  )
    return undefined;
  if (
    (callee['object'] as AnyNode).type !== 'Identifier' ||
    (callee['object'] as AnyNode)['name'] !== 'require'
  )
    return undefined;
  const arg = (n['arguments'] as AnyNode[])[0];
  if (arg?.type !== 'Literal' || typeof arg['value'] !== 'string') return undefined;
  const spec = arg['value'];
  const m = /^(@[^/]+\/[^/]+|[^@./][^/]*)$/.exec(spec);
  return m === null ? undefined : spec;
}

function normaliseLeading(text: string): string {
  // path.join drops './' and doubles '/'; Node's resolver does the same for the folder part
  return text.replace(/\/{2,}/g, '/');
}

export function reachOf(arg: AnyNode | undefined, b: FileBindings): Reach {
  const parts = evaluate(arg, b);
  const head = parts[0];
  if (head === PROJECT) return { kind: 'project' };
  if (typeof head === 'object') {
    const tail = parts.slice(1);
    const last = tail.map((p) => typeof p === 'string').lastIndexOf(false);
    if (tail.some((p) => typeof p !== 'string' && p !== HOLE)) return { kind: 'unknown' };
    return { kind: 'package', pkg: head.pkg, suffix: tail.slice(last + 1).join('') };
  }
  const rest = head === DIR ? ['./', ...parts.slice(1)] : parts;
  if (rest.some((p) => p === DIR || p === PROJECT)) return { kind: 'unknown' };
  const holes = rest.filter((p) => p === HOLE).length;
  if (rest.some((p) => typeof p === 'object')) return { kind: 'unknown' };
  const text = (ps: Part[]): string => ps.map((p) => p as string).join('');
  if (holes === 0) return { kind: 'static', spec: normaliseLeading(text(rest)) };
  const firstHole = rest.indexOf(HOLE);
  const lastHole = rest.lastIndexOf(HOLE);
  const prefix = normaliseLeading(text(rest.slice(0, firstHole)));
  const suffix = text(rest.slice(lastHole + 1));
  if (prefix.startsWith('./') || prefix.startsWith('../')) return { kind: 'relative', prefix, suffix };
  if (prefix === '' || prefix.startsWith('/') || prefix.startsWith('#') || prefix.startsWith('.'))
    return { kind: 'unknown' };
  return { kind: 'bare', prefix, suffix };
}
