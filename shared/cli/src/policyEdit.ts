/**
 * Adds an approval to the policy file by editing its text, so the comments and layout people wrote
 * stay as they were. The caller validates the result with the core's policy parser before writing.
 */
import { arrayElements, objectMembers, rootObject, skipTrivia } from './jsoncScan.js';
import type { Span } from './jsoncScan.js';

export interface ApprovalEntry {
  readonly package: string;
  readonly installCode: string;
  readonly note?: string | undefined;
}

function entryText(a: ApprovalEntry): string {
  const note = a.note === undefined ? '' : `, "note": ${JSON.stringify(a.note)}`;
  return `{ "package": ${JSON.stringify(a.package)}, "installCode": ${JSON.stringify(a.installCode)}${note} }`;
}

function lineStart(text: string, i: number): number {
  return text.lastIndexOf('\n', i - 1) + 1;
}

function indentAt(text: string, i: number): string {
  const start = lineStart(text, i);
  return /^[ \t]*/.exec(text.slice(start, i))![0];
}

/** True when only blanks precede `i` on its line. */
function startsLine(text: string, i: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStart(text, i), i));
}

/**
 * Inserts `item` (already formatted) as the last entry of a container: after `last` (the last
 * existing entry, or undefined when empty) and before the closing bracket at `close`.
 */
function appendToContainer(
  text: string,
  open: number,
  close: number,
  last: Span | undefined,
  item: string,
  itemIndent: string,
): string {
  if (last === undefined) {
    const closeIndent = startsLine(text, close) ? indentAt(text, close) : indentAt(text, open);
    return `${text.slice(0, open + 1)}\n${itemIndent}${item}\n${closeIndent}${text.slice(close)}`;
  }
  const afterLast = skipTrivia(text, last.end);
  const hasComma = text[afterLast] === ',';
  if (startsLine(text, close)) {
    // New line just above the closing bracket; a comma after the last entry if it has none.
    const at = lineStart(text, close);
    const withComma = hasComma ? text : `${text.slice(0, last.end)},${text.slice(last.end)}`;
    const shift = hasComma ? 0 : 1;
    return `${withComma.slice(0, at + shift)}${itemIndent}${item}${hasComma ? ',' : ''}\n${withComma.slice(at + shift)}`;
  }
  // The closing bracket shares a line with content: insert inline before it.
  const insertAt = close;
  const sep = hasComma ? ' ' : ', ';
  const trimmedEnd = text.slice(0, insertAt).replace(/[ \t]*$/, '');
  return `${trimmedEnd}${sep}${item} ${text.slice(insertAt)}`;
}

export type AddApprovalResult =
  | { readonly status: 'added' | 'replaced'; readonly text: string }
  | { readonly status: 'present'; readonly text: string };

/**
 * Adds `{package, installCode, note}` to the root object's `approvals` array (creating the key
 * before the final `}` when absent). An approval for the same package with another fingerprint is
 * updated in place (one approval per name@version); an identical one is left alone.
 */
export function addApproval(text: string, approval: ApprovalEntry): AddApprovalResult {
  const root = rootObject(text);
  const { members, close } = objectMembers(text, root);
  const existing = members.find((m) => m.key === 'approvals');
  const memberIndent = members.length > 0 ? indentAt(text, members[0]!.keyStart) : '  ';
  if (existing === undefined) {
    const unit = memberIndent === '' ? '  ' : memberIndent;
    const block = `"approvals": [\n${memberIndent}${unit}${entryText(approval)}\n${memberIndent}]`;
    const lastMember = members.at(-1);
    const last =
      lastMember === undefined ? undefined : { start: lastMember.keyStart, end: lastMember.value.end };
    return { status: 'added', text: appendToContainer(text, root, close, last, block, memberIndent) };
  }
  if (text[existing.value.start] !== '[') throw new SyntaxError('"approvals" is not an array');
  const open = existing.value.start;
  const { elements, close: arrayClose } = arrayElements(text, open);
  for (const el of elements) {
    if (text[el.start] !== '{') continue;
    const fields = objectMembers(text, el.start).members;
    const pkg = fields.find((f) => f.key === 'package');
    const code = fields.find((f) => f.key === 'installCode');
    if (pkg === undefined || code === undefined) continue;
    if (JSON.parse(text.slice(pkg.value.start, pkg.value.end)) !== approval.package) continue;
    if (JSON.parse(text.slice(code.value.start, code.value.end)) === approval.installCode)
      return { status: 'present', text };
    // The same version approved for other install code: re-pin it to the reviewed fingerprint.
    const updated = `${text.slice(0, code.value.start)}${JSON.stringify(approval.installCode)}${text.slice(code.value.end)}`;
    return { status: 'replaced', text: updated };
  }
  const last = elements.at(-1);
  const itemIndent =
    last !== undefined && startsLine(text, last.start)
      ? indentAt(text, last.start)
      : `${indentAt(text, existing.keyStart)}${memberIndent === '' ? '  ' : memberIndent}`;
  return {
    status: 'added',
    text: appendToContainer(text, open, arrayClose, last, entryText(approval), itemIndent),
  };
}
