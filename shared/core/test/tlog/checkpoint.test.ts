import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  addCosignature,
  cosignatureTimestamp,
  formatCheckpoint,
  formatNote,
  formatSignatureLine,
  generateCosignerKeyPair,
  generateKeyPair,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseCosignerKey,
  parseCosignerSignerKey,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  recordHash,
  signCosignature,
  signNote,
  type Checkpoint,
} from '../../src/tlog/index.js';

const code = (code: string) => expect.objectContaining({ code });

// c2sp.org/tlog-cosignature, the introduction's example (C2SP/C2SP tlog-cosignature.md at commit
// 5ba5ee83); its signed message example says the witness signed at time 1679315147.
const SPEC_COSIGNED = `example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==
`;

const root = recordHash(new TextEncoder().encode('root'));
const CP: Checkpoint = { origin: 'example.org/log', size: 12345, root, extensions: [] };

describe('checkpoints (c2sp.org/tlog-checkpoint)', () => {
  it('formats and parses', () => {
    const text = formatCheckpoint(CP);
    expect(text).toBe(`example.org/log\n12345\n${Buffer.from(root).toString('base64')}\n`);
    expect(parseCheckpoint(text)).toEqual(CP);
    const ext = { ...CP, size: 0, extensions: ['ext one', 'ext two'] };
    expect(parseCheckpoint(formatCheckpoint(ext))).toEqual(ext);
    expect(parseCheckpoint(parseNote(SPEC_COSIGNED).text).size).toBe(20852163);
  });

  const b64 = Buffer.from(root).toString('base64');
  it.each([
    ['no final newline', `o\n1\n${b64}`],
    ['two lines', `o\n1\n`],
    ['empty origin', `\n1\n${b64}\n`],
    ['leading zero', `o\n01\n${b64}\n`],
    ['sign', `o\n+1\n${b64}\n`],
    ['hex size', `o\n0x1\n${b64}\n`],
    ['huge size', `o\n9007199254740993\n${b64}\n`],
    ['short root', `o\n1\n${Buffer.alloc(31).toString('base64')}\n`],
    ['bad base64 root', `o\n1\n${b64.replace('=', '')}\n`],
    ['empty extension line', `o\n1\n${b64}\n\next\n`],
    ['carriage return', `o\r\n1\n${b64}\n`],
  ])('rejects %s with MALFORMED_CHECKPOINT', (_name, text) => {
    expect(() => parseCheckpoint(text)).toThrow(code('MALFORMED_CHECKPOINT'));
  });
});

describe('cosignatures (c2sp.org/tlog-cosignature)', () => {
  it('reads the timestamps of published cosignatures', () => {
    const witnessSig = parseNote(SPEC_COSIGNED).signatures[1];
    expect(witnessSig?.keyHash).toBe(0x8d66cf3f);
    expect(cosignatureTimestamp(witnessSig ?? new Uint8Array())).toBe(1679315147);
    // transparency-dev/formats note/note_cosigv1_test.go TestCosignatureTimestamp ("works").
    const raw = Buffer.from(
      'ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==',
      'base64',
    );
    expect(cosignatureTimestamp(new Uint8Array(raw.subarray(4)))).toBe(1727964367);
    expect(() => cosignatureTimestamp(new Uint8Array(64))).toThrow(code('MALFORMED_NOTE'));
  });

  it('parses the published cosigner key of type 0x04 and refuses it as a log key', () => {
    const remora = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';
    expect(parseCosignerKey(remora).keyHash).toBe(0xda77ade7);
    expect(() =>
      parseCosignerKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
    ).toThrow(code('POLICY_INVALID'));
  });

  it('round-trips, and fails for a changed timestamp, a changed checkpoint, or a type 0x01 key', () => {
    const { skey, vkey } = generateCosignerKeyPair('witness.example/w1');
    expect(vkey).toMatch(/^witness\.example\/w1\+[0-9a-f]{8}\+B/);
    const signer = parseCosignerSignerKey(skey);
    const verifier = parseCosignerKey(vkey);
    const text = formatCheckpoint(CP);
    const sig = signCosignature(text, signer, 1_700_000_000);
    expect(cosignatureTimestamp(sig)).toBe(1_700_000_000);
    const note = `${text}\n${formatSignatureLine(sig)}`;
    expect(openNote(note, [verifier]).verified).toHaveLength(1);

    const later = new Uint8Array(sig.signature);
    later[7] = (later[7] ?? 0) + 1;
    expect(() =>
      openNote(formatNote({ text, signatures: [{ ...sig, signature: later }] }), [verifier]),
    ).toThrow(code('BAD_SIGNATURE'));
    expect(() => openNote(note.replace('12345', '12346'), [verifier])).toThrow(code('BAD_SIGNATURE'));
    // The same Ed25519 key as a plain note key (type 0x01) has another key ID: the cosignature is not its.
    const pub = Buffer.from(vkey.split('+').slice(2).join('+'), 'base64').subarray(1); // base64 may contain '+'
    const asNoteKey = parseVerifierKey(
      `witness.example/w1+${keyHex('witness.example/w1', pub)}+${Buffer.concat([Buffer.from([1]), pub]).toString('base64')}`,
    );
    expect(() => openNote(note, [asNoteKey])).toThrow(/no signature from a known key/);
  });
});

/** The type 0x01 key ID, computed independently of the code under test. */
function keyHex(name: string, pub: Uint8Array): string {
  const digest = createHash('sha256')
    .update(`${name}\n`)
    .update(new Uint8Array([1]))
    .update(pub)
    .digest();
  return digest.subarray(0, 4).toString('hex');
}

describe('openCheckpoint', () => {
  const log = generateKeyPair('example.org/log');
  const logSigner = parseSignerKey(log.skey);
  const logVerifier = parseVerifierKey(log.vkey);
  const witnesses = [1, 2, 3].map((i) => generateCosignerKeyPair(`witness${i}.example`));
  const witnessVerifiers = witnesses.map((w) => parseCosignerKey(w.vkey));
  const text = formatCheckpoint(CP);
  const signed = signNote(text, [logSigner]);
  const cosigned = [0, 1].reduce(
    (n, i) => addCosignature(n, parseCosignerSignerKey(witnesses[i]?.skey ?? ''), 1_700_000_000 + i),
    signed,
  );

  it('requires the log signature', () => {
    expect(openCheckpoint(signed, logVerifier).checkpoint).toEqual(CP);
    const other = parseVerifierKey(generateKeyPair('example.org/log').vkey);
    expect(() => openCheckpoint(signed, other)).toThrow(code('BAD_SIGNATURE'));
    const witnessOnly = formatNote({ text, signatures: parseNote(cosigned).signatures.slice(1) });
    expect(() =>
      openCheckpoint(witnessOnly, logVerifier, { verifiers: witnessVerifiers, quorum: 1 }),
    ).toThrow(code('BAD_SIGNATURE'));
    expect(() => openCheckpoint(signed.replace('12345', '12346'), logVerifier)).toThrow(
      code('BAD_SIGNATURE'),
    );
  });

  it('enforces a k-of-n witness quorum', () => {
    const policy = (quorum: number) => ({ verifiers: witnessVerifiers, quorum });
    expect(openCheckpoint(cosigned, logVerifier, policy(2)).cosigners).toEqual([
      'witness1.example',
      'witness2.example',
    ]);
    expect(openCheckpoint(cosigned, logVerifier, policy(0)).cosigners).toHaveLength(2);
    expect(() => openCheckpoint(cosigned, logVerifier, policy(3))).toThrow(code('WITNESS_QUORUM'));
    expect(() => openCheckpoint(signed, logVerifier, policy(1))).toThrow(code('WITNESS_QUORUM'));
    expect(() => openCheckpoint(cosigned, logVerifier, policy(4))).toThrow(code('POLICY_INVALID'));
    // Without a policy, cosignatures from unknown witnesses are ignored.
    const opened = openCheckpoint(cosigned, logVerifier);
    expect(opened.cosigners).toEqual([]);
    expect(opened.note.signatures).toHaveLength(3);
  });

  it('rejects a checkpoint with a forged cosignature from a known witness', () => {
    const lines = cosigned.split('\n');
    const last = lines[lines.length - 2] ?? '';
    const [prefix, b64] = [last.slice(0, last.lastIndexOf(' ') + 1), last.slice(last.lastIndexOf(' ') + 1)];
    const raw = Buffer.from(b64, 'base64');
    raw[40] = (raw[40] ?? 0) ^ 1;
    lines[lines.length - 2] = prefix + raw.toString('base64');
    expect(() =>
      openCheckpoint(lines.join('\n'), logVerifier, { verifiers: witnessVerifiers, quorum: 1 }),
    ).toThrow(code('BAD_SIGNATURE'));
  });

  it('checks the origin only when asked', () => {
    expect(
      openCheckpoint(signed, logVerifier, undefined, { expectOrigin: 'example.org/log' }).checkpoint.size,
    ).toBe(12345);
    expect(() =>
      openCheckpoint(signed, logVerifier, undefined, { expectOrigin: 'example.org/other' }),
    ).toThrow(code('MALFORMED_CHECKPOINT'));
  });

  it('rejects a signed note whose text is not a checkpoint', () => {
    expect(() => openCheckpoint(signNote('just text\n', [logSigner]), logVerifier)).toThrow(
      code('MALFORMED_CHECKPOINT'),
    );
  });
});
