import { describe, expect, it } from 'vitest';
import {
  formatRecord,
  parseRecord,
  parseRecordKey,
  recordKey,
  type NpmRecord,
} from '../../src/record/npmRecord.js';

const SRI = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
const FP = `sha256-${Buffer.alloc(32, 9).toString('base64')}`;
const SIG = {
  keyid: 'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA',
  sig: 'MEUCIQC/EuYEcwumIh3BWR4qQd2ePcVqj994eiB0Nr62t4tU7wIga9Vr8kSDkXAsFoDBGj074mtGYD8EAyykePA9Hppu2z4=',
};

const record = (over: Partial<NpmRecord> = {}): NpmRecord => ({
  name: 'left-pad',
  version: '1.3.0',
  integrity: SRI,
  installCode: { fingerprint: 'none', hooks: [] },
  signatures: [],
  ...over,
});

describe('formatRecord / parseRecord', () => {
  it('formats the documented layout', () => {
    expect(
      formatRecord(
        record({
          name: '@Scope/Pkg',
          installCode: { fingerprint: FP, hooks: ['node-gyp', 'postinstall'] },
          signatures: [SIG],
        }),
      ),
    ).toBe(
      `npm @!scope/!pkg 1.3.0 ${SRI}\ninstall v2 ${FP} node-gyp,postinstall\nsig ${SIG.keyid} ${SIG.sig}\n`,
    );
    expect(formatRecord(record())).toBe(`npm left-pad 1.3.0 ${SRI}\ninstall v2 none\n`);
  });

  it('reads a v1 record (no rules token) as rules 1 and writes it back unchanged; a v1 record has no time line', () => {
    const v1 = `npm left-pad 1.3.0 ${SRI}\ninstall ${FP} postinstall\n`;
    expect(parseRecord(v1).installCode).toEqual({ fingerprint: FP, hooks: ['postinstall'], rules: 1 });
    expect(formatRecord(parseRecord(v1))).toBe(v1);
    expect(() => parseRecord(`${v1}time 2026-01-01T00:00:00.000Z\n`)).toThrow(
      /line 3: a time line needs the v2 install line/,
    );
    expect(() => formatRecord({ ...parseRecord(v1), published: '2026-01-01T00:00:00.000Z' })).toThrow(
      /a v1 record has no time line/,
    );
    expect(
      parseRecord(`npm left-pad 1.3.0 ${SRI}\ninstall v2 none\ntime 2026-01-01T00:00:00.000Z\n`).published,
    ).toBe('2026-01-01T00:00:00.000Z');
  });

  const roundTrips: Array<[string, NpmRecord]> = [
    ['plain', record()],
    ['scoped', record({ name: '@types/node', version: '20.11.30' })],
    ['uppercase legacy', record({ name: 'JSONStream', version: '1.3.5' })],
    ['odd name with %', record({ name: '100%-real', version: '0.0.1-rc.1' })],
    ['unicode', record({ name: 'ça-va', version: '2.0.0-Beta.3' })],
    ['v1 record', record({ installCode: { fingerprint: FP, hooks: ['postinstall'], rules: 1 } })],
    [
      'install code and signatures',
      record({
        installCode: { fingerprint: FP, hooks: ['preinstall', 'install', 'postinstall', 'prepare'] },
        signatures: [SIG, { keyid: 'SHA256:other', sig: 'AAAA' }],
      }),
    ],
  ];

  it.each(roundTrips)('round-trips: %s', (_, r) => {
    const text = formatRecord(r);
    expect(parseRecord(text)).toEqual(r);
    expect(formatRecord(parseRecord(text))).toBe(text);
  });

  const good = `npm left-pad 1.3.0 ${SRI}\ninstall ${FP} postinstall\nsig ${SIG.keyid} ${SIG.sig}\n`;
  const malformed: Array<[string, string, RegExp]> = [
    ['no final newline', good.slice(0, -1), /must end with a newline/],
    ['blank line', good.replace('\ninstall', '\n\ninstall'), /line 2: blank line/],
    ['trailing blank line', `${good}\n`, /line 4: blank line/],
    ['CR', good.replace('\n', '\r\n'), /line 1: character U\+000D/],
    ['tab', good.replace(' 1.3.0', '\t1.3.0'), /line 1: character U\+0009/],
    ['non-ASCII', good.replace('left-pad', 'lèft-pad'), /line 1: character U\+00E8/],
    [
      'trailing space',
      good.replace('postinstall\n', 'postinstall \n'),
      /line 2: fields must be separated by exactly one space/,
    ],
    ['double space', good.replace('npm left-pad', 'npm  left-pad'), /line 1: fields must be separated/],
    ['extra field', good.replace(`${SRI}\n`, `${SRI} x\n`), /line 1: expected 4/],
    [
      'SRI too short',
      good.replace(SRI, `sha512-${Buffer.alloc(63).toString('base64')}`),
      /line 1: integrity/,
    ],
    [
      'SRI wrong algorithm',
      good.replace(SRI, `sha256-${Buffer.alloc(64).toString('base64')}`),
      /line 1: integrity/,
    ],
    ['SRI non-canonical base64', good.replace(SRI, `${SRI.slice(0, -3)}x==`), /line 1: integrity/],
    ['bad version', good.replace('1.3.0', '1.3'), /line 1: version "1.3"/],
    ['v-prefixed version', good.replace('1.3.0', 'v1.3.0'), /line 1: version/],
    ['loose version', good.replace('1.3.0', '01.3.0'), /line 1: version/],
    ['huge version', good.replace('1.3.0', `1.3.0-${'a'.repeat(260)}`), /line 1: version longer than 256/],
    ['first line kind', good.replace('npm ', 'pypi '), /line 1: first line/],
    ['unknown line kind', `${good}witness x y\n`, /line 4: unknown line kind "witness"/],
    ['missing install line', `npm left-pad 1.3.0 ${SRI}\n`, /line 2: missing the "install" line/],
    [
      'sig before install',
      `npm left-pad 1.3.0 ${SRI}\nsig ${SIG.keyid} ${SIG.sig}\ninstall none\n`,
      /line 2: second line/,
    ],
    ['hooks with none', good.replace(`${FP} postinstall`, 'none postinstall'), /line 2: .*cannot list hooks/],
    ['fingerprint without hooks', good.replace(`${FP} postinstall`, FP), /line 2: .*must list its hooks/],
    ['unknown hook', good.replace('postinstall', 'postinstal'), /line 2: unknown install hook/],
    [
      'hooks out of order',
      good.replace('postinstall', 'postinstall,install'),
      /line 2: install hooks must be listed once each/,
    ],
    [
      'duplicate hook',
      good.replace('postinstall', 'postinstall,postinstall'),
      /line 2: install hooks must be listed once each/,
    ],
    ['short fingerprint', good.replace(FP, 'sha256-AAAA'), /line 2: install fingerprint/],
    ['uppercase in escaped name', good.replace('left-pad', 'Left-pad'), /line 1: .*must be escaped/],
    ['non-canonical escape', good.replace('left-pad', 'left%2Dpad'), /line 1: .*shorter form/],
    ['lowercase hex escape', good.replace('left-pad', 'left%2fpad'), /line 1: .*uppercase hex/],
    ['bad sig base64', good.replace(SIG.sig, 'not*base64'), /line 3: signature/],
    ['sig missing field', good.replace(` ${SIG.sig}`, ''), /line 3: expected 3/],
    ['duplicate sig line', `${good}sig ${SIG.keyid} ${SIG.sig}\n`, /line 4: duplicate signature/],
  ];

  it.each(malformed)('rejects %s', (_, text, message) => {
    expect(() => parseRecord(text)).toThrow(
      expect.objectContaining({ code: 'MALFORMED_RECORD', message: expect.stringMatching(message) }),
    );
  });

  it('rejects records over 64 KiB', () => {
    const sigs = Array.from({ length: 700 }, (_, i) => ({
      keyid: `k${i}`,
      sig: Buffer.alloc(72, i).toString('base64'),
    }));
    expect(() => formatRecord(record({ signatures: sigs }))).toThrow(/longer than 65536 bytes/);
    const text = formatRecord(record({ signatures: sigs.slice(0, 100) }));
    expect(() => parseRecord(text + `sig x ${'A'.repeat(1000)}\n`.repeat(60))).toThrow(
      /longer than 65536 bytes/,
    );
  });

  it('formatRecord refuses fields it cannot write canonically', () => {
    for (const bad of [
      record({ version: '1.0.0+build.1' }), // semver.valid drops build metadata: not canonical
      record({ name: '' }),
      record({ integrity: 'sha512-abc' }),
      record({ installCode: { fingerprint: FP, hooks: [] } }),
      record({ signatures: [{ keyid: 'has space', sig: 'AAAA' }] }),
      record({ signatures: [SIG, SIG] }),
    ]) {
      expect(() => formatRecord(bad)).toThrow(expect.objectContaining({ code: 'MALFORMED_RECORD' }));
    }
  });
});

describe('recordKey / parseRecordKey', () => {
  it.each([
    ['left-pad', '1.3.0', 'left-pad@1.3.0'],
    ['@types/node', '20.0.0', '@types/node@20.0.0'],
    ['JSONStream', '1.0.0-Alpha', '!j!s!o!n!stream@1.0.0-Alpha'],
    ['a@b', '1.0.0', 'a%40b@1.0.0'],
  ])('%s@%s -> %s', (name, version, key) => {
    expect(recordKey(name, version)).toBe(key);
    expect(parseRecordKey(key)).toEqual({ name, version });
  });

  it.each(['left-pad', '@1.0.0', 'left-pad@', 'left-pad@1.0', 'Left-pad@1.0.0', '@types/node@v1.0.0'])(
    'rejects %j',
    (key) => {
      expect(() => parseRecordKey(key)).toThrow(expect.objectContaining({ code: 'MALFORMED_RECORD' }));
    },
  );
});
