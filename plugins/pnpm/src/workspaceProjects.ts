import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The workspace's projects by package name, read from the root package.json and the `packages`
 * globs of pnpm-workspace.yaml (`dir`, `dir/*`, `dir/**`; `!` excludes). pnpm's readPackage hook is
 * called for their manifests too, and only their dependencies are direct.
 */
export function workspaceProjects(root: string): Map<string, string> {
  const dirs = new Set<string>([root]);
  const { include, exclude } = workspaceGlobs(root);
  for (const glob of include) for (const dir of expand(root, glob)) dirs.add(dir);
  for (const glob of exclude) for (const dir of expand(root, glob)) dirs.delete(dir);
  const out = new Map<string, string>();
  for (const dir of dirs) {
    const name = manifestName(dir);
    if (name !== undefined) out.set(name, dir);
  }
  return out;
}

function workspaceGlobs(root: string): { include: string[]; exclude: string[] } {
  const file = path.join(root, 'pnpm-workspace.yaml');
  const include: string[] = [];
  const exclude: string[] = [];
  if (!existsSync(file)) return { include, exclude };
  let inPackages = false;
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    if (/^packages\s*:/.test(line)) {
      inPackages = true;
      continue;
    }
    if (!inPackages) continue;
    const item = /^\s+-\s*(['"]?)(.*?)\1\s*(#.*)?$/.exec(line);
    if (item !== null) {
      const glob = item[2]!;
      (glob.startsWith('!') ? exclude : include).push(glob.replace(/^!/, ''));
    } else if (/^\S/.test(line)) {
      inPackages = false;
    }
  }
  return { include, exclude };
}

function expand(root: string, glob: string): string[] {
  const parts = glob.replace(/^\.\//, '').replace(/\/$/, '').split('/');
  let dirs = [root];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of dirs) {
      if (part === '**') next.push(dir, ...descendants(dir, 6));
      else if (part.includes('*')) {
        const re = new RegExp(`^${part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
        next.push(...children(dir).filter((d) => re.test(path.basename(d))));
      } else next.push(path.join(dir, part));
    }
    dirs = next;
  }
  return dirs;
}

function children(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.'))
      .map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

function descendants(dir: string, depth: number): string[] {
  if (depth === 0) return [];
  return children(dir).flatMap((c) => [c, ...descendants(c, depth - 1)]);
}

function manifestName(dir: string): string | undefined {
  try {
    const name = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown })
      .name;
    return typeof name === 'string' ? name : '';
  } catch {
    return undefined;
  }
}
