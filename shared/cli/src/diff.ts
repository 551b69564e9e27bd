/**
 * A line diff in the unified format (as `diff -u` prints it, GNU diffutils "Unified Format"):
 * hunks `@@ -a,b +c,d @@` with three lines of context. The edit script is a longest common
 * subsequence after trimming the common prefix and suffix; inputs too large for the table are
 * shown as a full replacement rather than spending unbounded memory on them.
 */

export type DiffOp = { readonly kind: ' ' | '-' | '+'; readonly line: string };

const MAX_TABLE_CELLS = 4_000_000;

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** The edit script turning `a` into `b`, line by line. */
export function diffLines(a: readonly string[], b: readonly string[]): DiffOp[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf])
    suf++;
  const head: DiffOp[] = a.slice(0, pre).map((line) => ({ kind: ' ', line }));
  const tail: DiffOp[] = a.slice(a.length - suf).map((line) => ({ kind: ' ', line }));
  const x = a.slice(pre, a.length - suf);
  const y = b.slice(pre, b.length - suf);
  return [...head, ...middle(x, y), ...tail];
}

function middle(x: readonly string[], y: readonly string[]): DiffOp[] {
  const n = x.length;
  const m = y.length;
  if ((n + 1) * (m + 1) > MAX_TABLE_CELLS) {
    return [
      ...x.map((line) => ({ kind: '-' as const, line })),
      ...y.map((line) => ({ kind: '+' as const, line })),
    ];
  }
  // lcs[i*(m+1)+j] = length of the LCS of x[i..] and y[j..]
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] =
        x[i] === y[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  const ops: DiffOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      ops.push({ kind: ' ', line: x[i]! });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) {
      ops.push({ kind: '-', line: x[i++]! });
    } else {
      ops.push({ kind: '+', line: y[j++]! });
    }
  }
  while (i < n) ops.push({ kind: '-', line: x[i++]! });
  while (j < m) ops.push({ kind: '+', line: y[j++]! });
  return ops;
}

/** Unified-format hunks (without the `---`/`+++` header); empty when the texts are equal. */
export function unifiedHunks(a: readonly string[], b: readonly string[], context = 3): string[] {
  const ops = diffLines(a, b);
  const changed = ops.map((o, k) => (o.kind === ' ' ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return [];
  // Group changes whose context windows touch.
  const groups: Array<[number, number]> = [];
  for (const k of changed) {
    const last = groups.at(-1);
    if (last !== undefined && k - last[1] <= 2 * context) last[1] = k;
    else groups.push([k, k]);
  }
  const out: string[] = [];
  for (const [first, lastChange] of groups) {
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, lastChange + context);
    // Line numbers: count old/new lines before `from`.
    let oldLine = 1;
    let newLine = 1;
    for (let k = 0; k < from; k++) {
      if (ops[k]!.kind !== '+') oldLine++;
      if (ops[k]!.kind !== '-') newLine++;
    }
    const slice = ops.slice(from, to + 1);
    const oldCount = slice.filter((o) => o.kind !== '+').length;
    const newCount = slice.filter((o) => o.kind !== '-').length;
    const range = (start: number, count: number) =>
      `${count === 0 ? start - 1 : start}${count === 1 ? '' : `,${count}`}`;
    out.push(`@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@`);
    for (const o of slice) out.push(`${o.kind}${o.line}`);
  }
  return out;
}
