/**
 * Integer helpers for tree arithmetic on JS numbers. Sizes can exceed 2^32, so these use division
 * and modulo instead of the 32-bit bitwise operators.
 */

/** The largest power of two strictly less than n (n >= 2): RFC 6962 §2.1's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** log2(n) if n is a power of two, else -1. */
export function exactLog2(n: number): number {
  if (n < 1) return -1;
  let level = 0;
  let p = 1;
  while (p < n) {
    p *= 2;
    level++;
  }
  return p === n ? level : -1;
}

/** x >> 1 for safe integers. */
export function half(x: number): number {
  return Math.floor(x / 2);
}

/** The lowest bit of x, for safe integers. */
export function lsb(x: number): number {
  return x % 2;
}
