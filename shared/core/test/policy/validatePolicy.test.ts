import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SumgateError } from '../../src/errors.js';
import { parsePolicyText } from '../../src/policy/loadPolicy.js';

const VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const FILE = '/repo/sumgate.jsonc';
const minimal = `{ "log": { "url": "http://127.0.0.1:9/", "vkeys": ["${VKEY}"] } }`;

function fails(text: string): SumgateError {
  try {
    parsePolicyText(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(SumgateError);
    return e as SumgateError;
  }
  throw new Error('expected the policy to be refused');
}

describe('policy', () => {
  it('fills safe defaults: enforce, quarantine on, the package manager registry as the only source', () => {
    const p = parsePolicyText(minimal, FILE, 'http://127.0.0.1:4873');
    expect(p.mode).toBe('enforce');
    expect(p.quarantine).toBe(true);
    expect(p.sources).toEqual([{ name: 'registry', url: 'http://127.0.0.1:4873/', scopes: undefined }]);
    expect(p.log?.ingest).toBe(true);
  });

  it('accepts comments and trailing commas (JSONC)', () => {
    const p = parsePolicyText(
      `// top\n{ /* block */ "mode": "warn", // why\n "log": { "url": "http://127.0.0.1:9", "vkeys": ["${VKEY}",], },\n}`,
      FILE,
    );
    expect(p.mode).toBe('warn');
    expect(p.log?.url).toBe('http://127.0.0.1:9/');
  });

  it.each([
    [
      `{ "mode": "strict", "log": { "url": "http://x/", "vkeys": ["${VKEY}"] } }`,
      'mode',
      'one of "enforce", "warn", "off"',
    ],
    [`{ "modes": "warn" }`, 'modes', 'one of the known keys'],
    [`{ "mode": "warn" }`, 'log', 'required unless "mode" is "off"'],
    [`{ "log": { "url": "ftp://x/", "vkeys": ["${VKEY}"] } }`, 'log.url', 'http(s) URL'],
    [`{ "log": { "url": "http://u:p@x/", "vkeys": ["${VKEY}"] } }`, 'log.url', 'without credentials'],
    [`{ "log": { "url": "http://x/", "vkeys": ["nope"] } }`, 'log.vkeys[0]', 'verifier key'],
    [
      `{ "sources": [{ "name": "a", "url": "http://x/" }, { "name": "a", "url": "http://y/" }], "mode": "off" }`,
      'sources[1].name',
      'unique',
    ],
    [
      `{ "sources": [{ "name": "a", "url": "http://x/", "scopes": ["corp"] }], "mode": "off" }`,
      'sources[0].scopes[0]',
      'scope like "@corp"',
    ],
    [
      `{ "mode": "off", "approvals": [{ "package": "a@^1", "installCode": "sha256-x" }] }`,
      'approvals[0].package',
      'exactly one "name@version"',
    ],
    [`{ "mode": "off", "minimumReleaseAgeMinutes": -1 }`, 'minimumReleaseAgeMinutes', 'integer from 0'],
  ])('refuses %s naming the key', (text, key, expected) => {
    const e = fails(text);
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toContain(FILE);
    expect(e.message).toContain(`"${key}"`);
    expect(e.message).toContain(expected);
    expect(e.fix).toContain(FILE);
  });

  it('reports JSON syntax errors with line and column', () => {
    const e = fails('{\n  "mode": "warn"\n  "log": {}\n}');
    expect(e.message).toMatch(/line 3, column \d+/);
  });

  it('the shipped JSON Schema names exactly the keys the validator accepts', () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const schema = JSON.parse(readFileSync(path.join(here, '../../policy.schema.json'), 'utf8')) as {
      properties: Record<string, { properties?: Record<string, unknown> }>;
    };
    for (const key of Object.keys(schema.properties)) {
      if (key === '$schema' || key === 'log' || key === 'sources') continue;
      if (key === 'quarantine') {
        // an object value is the settings object: its own keys are checked
        expect(fails(`{ "mode": "off", "quarantine": {"bogus": true} }`).message).toContain(
          '"quarantine.bogus" must be one of the known keys (baselineDays, releaseAfterDays)',
        );
        continue;
      }
      if (key === 'proxy') {
        expect(fails(`{ "mode": "off", "proxy": {"bogus": true} }`).message).toContain(
          '"proxy.bogus" must be one of the known keys (quarantined)',
        );
        continue;
      }
      // Every documented top-level key is known to the validator (a wrong value fails on the value, not the
      // key).
      const e = fails(`{ "mode": "off", "${key}": {"bogus": true} }`);
      expect(e.message).not.toContain('one of the known keys');
    }
    const e = fails(`{ "mode": "off", "undocumented": 1 }`);
    expect(e.message).toContain('one of the known keys');
    expect(Object.keys(schema.properties.log!.properties!).sort()).toEqual([
      'ingest',
      'timeoutMs',
      'url',
      'vkeys',
      'witnesses',
    ]);
  });
});

describe('policy: proxy', () => {
  const withProxy = (proxy: string) =>
    `{ "log": { "url": "http://127.0.0.1:9/", "vkeys": ["${VKEY}"] }, "proxy": ${proxy} }`;

  it('refuses quarantined versions at their tarball by default; "omit" leaves them out of packuments', () => {
    expect(parsePolicyText(minimal, FILE).proxyQuarantined).toBe('refuse');
    expect(parsePolicyText(withProxy('{}'), FILE).proxyQuarantined).toBe('refuse');
    expect(parsePolicyText(withProxy('{ "quarantined": "omit" }'), FILE).proxyQuarantined).toBe('omit');
  });

  it('names the key and the allowed values of a bad setting', () => {
    expect(fails(withProxy('{ "quarantined": "skip" }')).message).toContain('proxy.quarantined');
    expect(fails(withProxy('{ "quarantine": "omit" }')).message).toContain('quarantine');
    expect(fails(withProxy('"omit"')).message).toContain('proxy');
  });
});
