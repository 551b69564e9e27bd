/**
 * JSON with comments (`//` and `/* *\/`) and trailing commas, as editors accept in `*.jsonc`.
 * Comments are replaced by spaces so that error offsets still point into the original text.
 */
export function stripJsonComments(text: string): string {
  const out: string[] = [];
  /** Where in `out` the last comma is, while only white space has followed it. */
  let pendingComma = -1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    let piece: string;
    if (c === '"') {
      const end = jsonStringEnd(text, i);
      piece = text.slice(i, end === -1 ? text.length : end);
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      piece = ' '.repeat((end === -1 ? text.length : end) - i);
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      piece = text.slice(i, end === -1 ? text.length : end + 2).replace(/[^\n]/g, ' ');
    } else {
      piece = c;
      // A trailing comma before a closing bracket becomes a space.
      if ((c === '}' || c === ']') && pendingComma !== -1) out[pendingComma] = ' ';
    }
    if (piece === ',') pendingComma = out.length;
    else if (piece.trim() !== '') pendingComma = -1;
    out.push(piece);
    i += piece.length;
  }
  return out.join('');
}

/** The end (exclusive) of the JSON string whose opening quote is at `start`, or -1 when it is not terminated. */
export function jsonStringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === '"') return i + 1;
    else i++;
  }
  return -1;
}

/** Line and column (1-based) of an offset, for error messages. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
