/**
 * The install-time code of a version next to its previous version's, for a person deciding
 * whether to approve it: hooks with their commands, then each file the hooks run, as a unified
 * line diff when it changed (whole when added). Package text is shown with control characters
 * made visible.
 */
import { splitLines, unifiedHunks } from '../diff.js';
import { visible } from '../terminalText.js';
import type { InstalledCodeView } from './verifiedTarball.js';
import { widenedLines } from '../widenedLines.js';

const MAX_LINES_PER_FILE = 400;

function asText(bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function capped(lines: string[]): string[] {
  if (lines.length <= MAX_LINES_PER_FILE) return lines;
  return [
    ...lines.slice(0, MAX_LINES_PER_FILE),
    `... ${lines.length - MAX_LINES_PER_FILE} more lines not shown: read the file in the tarball before approving`,
  ];
}

export function renderCodeDiff(
  current: InstalledCodeView,
  previous: InstalledCodeView | undefined,
  previousNote: string | undefined,
): string {
  const out: string[] = [];
  const label = (v: InstalledCodeView) =>
    v.source === ''
      ? `${v.name}@${v.version} (log leaf ${v.leaf}: no install-time code)`
      : `${v.name}@${v.version} (log leaf ${v.leaf}, fetched from ${v.source}, sha512 matches the log)`;
  out.push(`install-time code of ${label(current)}`);
  out.push(`  fingerprint ${current.installCode.fingerprint}`);
  if (previous !== undefined) {
    out.push(`compared with ${label(previous)}`);
    out.push(`  fingerprint ${previous.installCode.fingerprint}`);
  } else {
    out.push(
      `compared with nothing: ${previousNote ?? 'there is no earlier version'}; everything below is shown as new`,
    );
  }

  out.push('', 'hooks (run at install):');
  const prevHooks = new Map((previous?.installCode.hooks ?? []).map((h) => [h.hook, h.command]));
  const curHooks = new Map(current.installCode.hooks.map((h) => [h.hook, h.command]));
  for (const hook of new Set([...prevHooks.keys(), ...curHooks.keys()])) {
    const before = prevHooks.get(hook);
    const after = curHooks.get(hook);
    if (before === after) out.push(`    ${hook}: ${visible(after ?? '')}   (unchanged)`);
    else {
      if (before !== undefined) out.push(`  - ${hook}: ${visible(before)}`);
      if (after !== undefined) out.push(`  + ${hook}: ${visible(after)}`);
    }
  }

  const deps = current.installCode.dependencies ?? [];
  if (deps.length > 0)
    out.push('', `dependencies (their bins are on the hooks' PATH): ${deps.map(visible).join(', ')}`);
  out.push(...widenedLines(current.installCode));

  out.push('', 'files the hooks run:');
  const prevFiles = new Map((previous?.installCode.files ?? []).map((f) => [f.path, f.sha256]));
  const curFiles = new Map(current.installCode.files.map((f) => [f.path, f.sha256]));
  const paths = [...new Set([...prevFiles.keys(), ...curFiles.keys()])].sort();
  if (paths.length === 0) out.push('  (none: the hooks run only commands)');
  for (const p of paths) {
    const before = prevFiles.get(p);
    const after = curFiles.get(p);
    const name = visible(p);
    if (before === after) {
      out.push(`  = ${name} (unchanged, sha256 ${after})`);
      continue;
    }
    if (after === undefined) {
      out.push(`  - ${name} (no longer run)`);
      continue;
    }
    const oldText = before === undefined ? '' : asText(previous?.contents.get(p));
    const newText = asText(current.contents.get(p));
    out.push(
      before === undefined
        ? `  + ${name} (new, sha256 ${after})`
        : `  ~ ${name} (changed, sha256 ${before} -> ${after})`,
    );
    if (oldText === undefined || newText === undefined) {
      out.push('      (binary content: not shown; inspect it in the tarball)');
      continue;
    }
    out.push(`    --- ${before === undefined ? '/dev/null' : `${previous!.version}/${name}`}`);
    out.push(`    +++ ${current.version}/${name}`);
    for (const line of capped(unifiedHunks(splitLines(oldText), splitLines(newText))))
      out.push(`    ${visible(line)}`);
  }
  return `${out.join('\n')}\n`;
}
