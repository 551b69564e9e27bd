/**
 * pax extended header records (IEEE Std 1003.1 `pax`, "pax Extended Header"): `"<len> <key>=<value>\n"`,
 * where len counts the whole record in bytes. pnpm 10 walks the records by their lengths; node-tar
 * (Yarn) splits the data at newlines and drops a record whose length does not match. So a record is
 * accepted only when both walks find it: exact length, a newline only at its end, a key, valid UTF-8.
 */
import { utf8 } from './tarFields.js';

export type PaxResult = { ok: true; records: Map<string, string> } | { ok: false; why: string };

export function parsePaxRecords(data: Uint8Array): PaxResult {
  const records = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    let j = i;
    let len = 0;
    while (j < data.length && data[j]! >= 0x30 && data[j]! <= 0x39 && j - i < 10)
      len = len * 10 + (data[j++]! - 0x30);
    if (j === i || data[i] === 0x30 || data[j] !== 0x20)
      return { ok: false, why: `pax record at byte ${i} does not start with "<length> "` };
    const end = i + len;
    if (len <= j - i + 1 || end > data.length || data[end - 1] !== 0x0a) {
      return {
        ok: false,
        why: `pax record at byte ${i} has a length (${len}) that does not end at a newline inside the header`,
      };
    }
    const body = data.subarray(j + 1, end - 1);
    if (body.includes(0x0a))
      return {
        ok: false,
        why: `pax record at byte ${i} contains a newline before its end (node-tar splits records at newlines)`,
      };
    if (body.includes(0)) return { ok: false, why: `pax record at byte ${i} contains a NUL byte` };
    const text = utf8(body);
    if (text === undefined) return { ok: false, why: `pax record at byte ${i} is not valid UTF-8` };
    const eq = text.indexOf('=');
    if (eq <= 0) return { ok: false, why: `pax record at byte ${i} has no key` };
    const key = text.slice(0, eq);
    if (records.has(key)) return { ok: false, why: `pax header sets "${key}" twice` };
    records.set(key, text.slice(eq + 1));
    i = end;
  }
  return { ok: true, records };
}
