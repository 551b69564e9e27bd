import { SumgateError } from '../errors.js';

/**
 * Go sumdb's lookup response (golang.org/x/mod/sumdb/tlog FormatRecord + the signed tree):
 * `<record id>\n<record text>\n<signed checkpoint>`. The record text has no blank lines and ends in
 * "\n", so the first blank line ends it. Attacker-controlled: parsed strictly.
 */
export function formatLookupResponse(index: number, record: string, note: string): string {
  return `${index}\n${record}\n${note}`;
}

export function parseLookupResponse(text: string): { index: number; record: string; note: string } {
  const nl = text.indexOf('\n');
  const id = nl === -1 ? '' : text.slice(0, nl);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(id) || !Number.isSafeInteger(Number(id)))
    throw malformed('no record id line');
  const end = text.indexOf('\n\n', nl + 1);
  if (end === -1 || end === nl) throw malformed('no blank line after the record');
  return { index: Number(id), record: text.slice(nl + 1, end + 1), note: text.slice(end + 2) };
}

function malformed(why: string): SumgateError {
  return new SumgateError('MALFORMED_RECORD', `malformed lookup response: ${why}`);
}
