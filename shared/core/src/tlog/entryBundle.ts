/**
 * c2sp.org/tlog-tiles "Log entries": an entry bundle is up to 256 entries, each encoded as
 * `uint16 BE length || entry`, so an entry is at most 65,535 bytes.
 */
import { SumgateError } from '../errors.js';
import { TILE_WIDTH } from './tile.js';

export const MAX_ENTRY_SIZE = 0xffff;

export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length > TILE_WIDTH)
    throw new RangeError(`an entry bundle holds at most ${TILE_WIDTH} entries`);
  let size = 0;
  for (const e of entries) {
    if (e.length > MAX_ENTRY_SIZE) {
      throw new SumgateError(
        'MALFORMED_RECORD',
        `log entry of ${e.length} bytes is larger than ${MAX_ENTRY_SIZE} bytes`,
      );
    }
    size += 2 + e.length;
  }
  const out = new Uint8Array(size);
  let pos = 0;
  for (const e of entries) {
    out[pos] = e.length >>> 8;
    out[pos + 1] = e.length & 0xff;
    out.set(e, pos + 2);
    pos += 2 + e.length;
  }
  return out;
}

/**
 * Decodes an entry bundle (attacker-controlled: strict, MALFORMED_TILE). With `expectedCount`
 * (the bundle's width), the bundle must hold exactly that many entries.
 */
export function decodeEntryBundle(bytes: Uint8Array, expectedCount?: number): Uint8Array[] {
  const entries: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (entries.length === TILE_WIDTH)
      throw new SumgateError('MALFORMED_TILE', 'malformed entry bundle: more than 256 entries');
    if (pos + 2 > bytes.length)
      throw new SumgateError('MALFORMED_TILE', 'malformed entry bundle: truncated length');
    const len = ((bytes[pos] ?? 0) << 8) | (bytes[pos + 1] ?? 0);
    const end = pos + 2 + len;
    if (end > bytes.length)
      throw new SumgateError('MALFORMED_TILE', 'malformed entry bundle: truncated entry');
    entries.push(bytes.slice(pos + 2, end));
    pos = end;
  }
  if (entries.length === 0) throw new SumgateError('MALFORMED_TILE', 'malformed entry bundle: empty');
  if (expectedCount !== undefined && entries.length !== expectedCount) {
    throw new SumgateError(
      'MALFORMED_TILE',
      `malformed entry bundle: ${entries.length} entries, expected ${expectedCount}`,
    );
  }
  return entries;
}
