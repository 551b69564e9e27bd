/**
 * A positional scanner for JSON with comments (the policy file): finds where members and array
 * elements start and end in the ORIGINAL text, so edits can keep every comment and the layout.
 * It assumes syntactically valid JSONC (callers parse the file with the core's loader first).
 */
import { jsonStringEnd } from '@sumgate/core';

export interface Span {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

export interface Member {
  readonly key: string;
  readonly keyStart: number;
  readonly value: Span;
}

/** Skips whitespace and comments from `i`; returns the index of the next significant character. */
export function skipTrivia(text: string, i: number): number {
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('//', i)) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl + 1;
    } else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      i = close === -1 ? text.length : close + 2;
    } else {
      return i;
    }
  }
}

function stringEnd(text: string, start: number): number {
  const end = jsonStringEnd(text, start);
  if (end === -1) throw new SyntaxError('unterminated string');
  return end;
}

/** The end (exclusive) of the JSON value starting at `start`. */
export function valueEnd(text: string, start: number): number {
  const c = text[start];
  if (c === '"') return stringEnd(text, start);
  if (c === '{' || c === '[') {
    let depth = 0;
    let i = start;
    while (i < text.length) {
      i = skipTrivia(text, i);
      const d = text[i];
      if (d === '"') {
        i = stringEnd(text, i);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new SyntaxError('unbalanced brackets');
  }
  let i = start;
  while (i < text.length && !/[\s,}\]/]/.test(text[i]!)) i++;
  return i;
}

/** The members of the object whose `{` is at `open`, and the index of its `}`. */
export function objectMembers(text: string, open: number): { members: Member[]; close: number } {
  const members: Member[] = [];
  let i = skipTrivia(text, open + 1);
  while (text[i] !== '}') {
    if (text[i] !== '"') throw new SyntaxError(`expected a key at offset ${i}`);
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    const colon = skipTrivia(text, keyEnd);
    const start = skipTrivia(text, colon + 1);
    const end = valueEnd(text, start);
    members.push({ key, keyStart: i, value: { start, end } });
    i = skipTrivia(text, end);
    if (text[i] === ',') i = skipTrivia(text, i + 1);
  }
  return { members, close: i };
}

/** The elements of the array whose `[` is at `open`, and the index of its `]`. */
export function arrayElements(text: string, open: number): { elements: Span[]; close: number } {
  const elements: Span[] = [];
  let i = skipTrivia(text, open + 1);
  while (text[i] !== ']') {
    const end = valueEnd(text, i);
    elements.push({ start: i, end });
    i = skipTrivia(text, end);
    if (text[i] === ',') i = skipTrivia(text, i + 1);
  }
  return { elements, close: i };
}

/** The root object's `{`. */
export function rootObject(text: string): number {
  const i = skipTrivia(text, 0);
  if (text[i] !== '{') throw new SyntaxError('the file is not a JSON object');
  return i;
}
