/**
 * Escaping of npm package names for checksum records and lookup paths, after Go's module path
 * escaping (golang.org/x/mod/module EscapePath: uppercase X becomes `!x`), so that an escaped name
 * is plain ASCII, needs no quoting in a URL or a record, and two names never collide on a
 * case-insensitive file system. Rules and examples: shared/core/docs/record-format.md §"Names".
 */
import { SumgateError } from '../errors.js';

/** Longest name (in UTF-8 bytes) we accept; npm's own limit for new names is 214. */
export const MAX_NAME_BYTES = 1024;

const SCOPED = /^@([^/]+)\/([^/]+)$/;
const HEX = '0123456789ABCDEF';
/** A part made only of characters that stand for themselves (isLiteral): its own escaping. */
const LITERAL_PART = /^[a-z0-9\-._~]+$/;
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function isLiteral(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x7e
  );
}

function bad(why: string): SumgateError {
  return new SumgateError('MALFORMED_RECORD', `malformed npm package name: ${why}`);
}

function escapePart(part: string): string {
  let out = '';
  for (const c of encoder.encode(part)) {
    if (isLiteral(c)) out += String.fromCharCode(c);
    else if (c >= 0x41 && c <= 0x5a) out += `!${String.fromCharCode(c + 0x20)}`;
    else out += `%${HEX[c >> 4]}${HEX[c & 15]}`;
  }
  return out;
}

/** `@Scope/Na me` -> `@!scope/!na%20me`. Throws MALFORMED_RECORD for empty or ill-formed names. */
export function escapeName(name: string): string {
  if (name.length === 0) throw bad('empty name');
  if (/\p{Surrogate}/u.test(name)) throw bad(`${JSON.stringify(name)} is not well-formed Unicode`);
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) throw bad(`name longer than ${MAX_NAME_BYTES} bytes`);
  const scoped = SCOPED.exec(name);
  return scoped === null ? escapePart(name) : `@${escapePart(scoped[1]!)}/${escapePart(scoped[2]!)}`;
}

function unescapePart(part: string, whole: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (isLiteral(c)) {
      bytes.push(c);
    } else if (c === 0x21) {
      // '!'
      const next = part.charCodeAt(i + 1);
      if (!(next >= 0x61 && next <= 0x7a))
        throw bad(`"${whole}": "!" must be followed by a lowercase letter`);
      bytes.push(next - 0x20);
      i++;
    } else if (c === 0x25) {
      // '%'
      const hex = part.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex))
        throw bad(`"${whole}": "%" must be followed by two uppercase hex digits`);
      const b = parseInt(hex, 16);
      if (isLiteral(b) || (b >= 0x41 && b <= 0x5a))
        throw bad(`"${whole}": %${hex} escapes a character that has a shorter form`);
      bytes.push(b);
      i += 2;
    } else {
      throw bad(`"${whole}": character ${JSON.stringify(part[i])} must be escaped`);
    }
  }
  try {
    return strictDecoder.decode(new Uint8Array(bytes));
  } catch {
    throw bad(`"${whole}" does not decode to UTF-8`);
  }
}

/**
 * The common case, a name without escapes: it is its own canonical escaping (what the round trip
 * through escapeName below would find), so only escapeName's length limit is left to check.
 */
function literalName(escaped: string): string {
  if (escaped.length > MAX_NAME_BYTES) throw bad(`name longer than ${MAX_NAME_BYTES} bytes`);
  return escaped;
}

/** Inverse of {@link escapeName}; accepts only the canonical escaped form. */
export function unescapeName(escaped: string): string {
  if (escaped.length === 0) throw bad('empty name');
  let name: string;
  if (escaped.startsWith('@')) {
    const scoped = SCOPED.exec(escaped);
    if (scoped === null) throw bad(`"${escaped}": a scoped name is @<scope>/<name>`);
    if (LITERAL_PART.test(scoped[1]!) && LITERAL_PART.test(scoped[2]!)) return literalName(escaped);
    name = `@${unescapePart(scoped[1]!, escaped)}/${unescapePart(scoped[2]!, escaped)}`;
  } else if (LITERAL_PART.test(escaped)) {
    return literalName(escaped);
  } else {
    name = unescapePart(escaped, escaped);
  }
  // Catches what the per-character checks cannot, e.g. %40a%2Fb (which must be written @a/b).
  if (escapeName(name) !== escaped)
    throw bad(`"${escaped}" is not the canonical escaping of ${JSON.stringify(name)}`);
  return name;
}
