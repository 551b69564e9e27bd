import { describe, expect, it } from 'vitest';
import { SumgateError } from '../../src/errors.js';
import { parsePolicyText } from '../../src/policy/loadPolicy.js';

const VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const FILE = '/repo/sumgate.jsonc';
const LOG = `"log": { "url": "http://127.0.0.1:9/", "vkeys": ["${VKEY}"] }`;

function refusal(text: string): SumgateError {
  try {
    parsePolicyText(text, FILE);
  } catch (e) {
    if (e instanceof SumgateError) return e;
    throw e;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe('a mistyped policy key', () => {
  it.each([
    [`{ "modes": "warn", ${LOG} }`, 'modes', 'mode'],
    [`{ "qurantine": false, ${LOG} }`, 'qurantine', 'quarantine'],
    [`{ "Exempt": [], ${LOG} }`, 'Exempt', 'exempt'],
    [`{ "aprovals": [], ${LOG} }`, 'aprovals', 'approvals'],
    [`{ "minimumReleaseAgeMinute": 5, ${LOG} }`, 'minimumReleaseAgeMinute', 'minimumReleaseAgeMinutes'],
    [`{ "log": { "url": "http://127.0.0.1:9/", "vkey": ["${VKEY}"] } }`, 'log.vkey', 'vkeys'],
    [
      `{ "log": { "url": "http://127.0.0.1:9/", "vkeys": ["${VKEY}"], "timeoutMS": 5 } }`,
      'log.timeoutMS',
      'timeoutMs',
    ],
    [`{ "mode": "off", "sources": [{ "name": "a", "ulr": "http://x/" }] }`, 'sources[0].ulr', 'url'],
  ])('%s: names the key and suggests the known one', (text, key, meant) => {
    const e = refusal(text);
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toContain(`"${key}" must be one of the known keys`);
    expect(e.message).toContain(`did you mean "${meant}"?`);
    expect(e.fix).toBe(`rename "${key.split('.').pop()!}" to "${meant}" in ${FILE}`);
  });

  it('suggests nothing for a key unlike any known one, and still lists the known keys', () => {
    const e = refusal(`{ "colour": "blue", ${LOG} }`);
    expect(e.message).toContain('"colour" must be one of the known keys (');
    expect(e.message).not.toContain('did you mean');
    expect(e.fix).toContain(`edit ${FILE}`);
  });
});
