import { describe, expect, it } from 'vitest';
import {
  decodeNoteBytes,
  formatNote,
  generateKeyPair,
  keyHash,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  type Signer,
} from '../../src/tlog/index.js';

// Go's golang.org/x/mod/sumdb/note package documentation ("Example") and note_test.go (TestOpen):
// the PeterNeumann key pair and note, and the EnochRoot signature on the same text.
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const GO_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const GO_NOTE = `${GO_TEXT}\n${PETER_SIG}`;

// c2sp.org/signed-note, "Verifier keys" / "Example" (C2SP/C2SP signed-note.md at commit 5ba5ee83).
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
// c2sp.org/signed-note, the introduction's example (its key is not published: parse only).
const SPEC_POEM =
  'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n';
// Verifier keys whose base64 contains '+': Go's checksum database, and transparency-dev/formats
// note/note_cosigv1_test.go.
const SUMDB_VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const PLUS_VKEY = 'TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6';

const code = (code: string) => expect.objectContaining({ code });

describe('published examples', () => {
  it('verifies the C2SP signed-note example', () => {
    const v = parseVerifierKey(SPEC_VKEY);
    expect(v.name).toBe('example.com/foo');
    expect(v.keyHash).toBe(0x530d903a);
    const opened = openNote(SPEC_NOTE, [v]);
    expect(opened.text).toBe('This is an example message.\n');
    expect(opened.verified.map((s) => s.name)).toEqual(['example.com/foo']);
    expect(() => openNote(SPEC_NOTE.replace('example message', 'example massage'), [v])).toThrow(
      code('BAD_SIGNATURE'),
    );
  });

  it('parses the C2SP introduction example, whose text contains a blank line', () => {
    const note = parseNote(SPEC_POEM);
    expect(note.text).toBe(
      'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n',
    );
    expect(note.signatures).toHaveLength(1);
    expect(note.signatures[0]?.name).toBe('quasimodo.example/salvatore');
    expect(note.signatures[0]?.signature).toHaveLength(64);
    expect(formatNote(note)).toBe(SPEC_POEM);
  });

  it('reproduces Go’s example note byte for byte from its signer key (Ed25519 is deterministic)', () => {
    const signer = parseSignerKey(PETER_SKEY);
    expect(signer.name).toBe('PeterNeumann');
    expect(signer.keyHash).toBe(0xc74f20a3);
    expect(signNote(GO_TEXT, [signer])).toBe(GO_NOTE);
    expect(openNote(GO_NOTE, [parseVerifierKey(PETER_VKEY)]).text).toBe(GO_TEXT);
  });

  it('verifies multiple signatures and keeps unknown ones unverified', () => {
    const both = `${GO_TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    const peter = parseVerifierKey(PETER_VKEY);
    const enoch = parseVerifierKey(ENOCH_VKEY);
    expect(openNote(both, [peter, enoch]).verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    const onlyPeter = openNote(both, [peter]);
    expect(onlyPeter.verified.map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(onlyPeter.unverified.map((s) => s.name)).toEqual(['EnochRoot']);
    expect(openNote(both, [enoch]).unverified.map((s) => s.name)).toEqual(['PeterNeumann']);
  });

  it('splits verifier keys only at the first two plus signs', () => {
    expect(parseVerifierKey(SUMDB_VKEY).name).toBe('sum.golang.org');
    expect(parseVerifierKey(SUMDB_VKEY).keyHash).toBe(0x033de0ae);
    expect(parseVerifierKey(PLUS_VKEY).keyHash).toBe(0x7997405c);
  });
});

describe('keys', () => {
  it('computes key IDs as SHA-256(name || \\n || type || key)[:4]', () => {
    const key = Buffer.from('AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k', 'base64').subarray(1);
    expect(keyHash('example.com/foo', 0x01, key)).toBe(0x530d903a);
    expect(keyHash('example.com/foo', 0x04, key)).not.toBe(0x530d903a);
  });

  it('refuses every truncation and every single-byte change of a verifier key (like Go’s TestNewVerifier)', () => {
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i === 0 && j === PETER_VKEY.length) continue;
        expect(() => parseVerifierKey(PETER_VKEY.slice(i, j)), PETER_VKEY.slice(i, j)).toThrow(
          code('POLICY_INVALID'),
        );
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const changed =
        PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      expect(() => parseVerifierKey(changed), changed).toThrow(code('POLICY_INVALID'));
    }
  });

  it('refuses unsupported key types with a clear message', () => {
    const cosigner = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';
    expect(() => parseVerifierKey(cosigner)).toThrow(/unsupported key type 0x04/);
  });

  it('refuses malformed signer keys', () => {
    expect(() => parseSignerKey(PETER_SKEY.replace('PRIVATE', 'PUBLIC'))).toThrow(code('POLICY_INVALID'));
    expect(() => parseSignerKey(PETER_SKEY.replace('c74f20a3', 'c74f20a4'))).toThrow(code('POLICY_INVALID'));
    expect(() => parseSignerKey(PETER_SKEY.replace('PeterNeumann', 'Peter Neumann'))).toThrow(
      code('POLICY_INVALID'),
    );
    expect(() => parseSignerKey(PETER_VKEY)).toThrow(code('POLICY_INVALID'));
  });

  it('generates key pairs that sign and verify', () => {
    const { skey, vkey } = generateKeyPair('example.org/log');
    const note = signNote('hello\n', [parseSignerKey(skey)]);
    expect(openNote(note, [parseVerifierKey(vkey)]).text).toBe('hello\n');
    expect(() => generateKeyPair('has space')).toThrow(code('POLICY_INVALID'));
    expect(() => generateKeyPair('has+plus')).toThrow(code('POLICY_INVALID'));
  });
});

describe('malformed and hostile notes', () => {
  const peter = parseVerifierKey(PETER_VKEY);

  it.each([
    ['no blank line', `${GO_TEXT}${PETER_SIG}`],
    ['no signatures', `${GO_TEXT}\n`],
    ['no final newline', `${GO_TEXT}\n${PETER_SIG.slice(0, -1)}`],
    ['bad base64', `${GO_TEXT}\n${PETER_SIG.replace('x08go', 'x08g!')}`],
    ['base64 without padding', `${GO_TEXT}\n${PETER_SIG.replace('=\n', '\n')}`],
    ['too short a signature', `${GO_TEXT}\n— PeterNeumann AAAA\n`],
    ['hyphen instead of em dash', `${GO_TEXT}\n${PETER_SIG.replace('—', '-')}`],
    ['no space after the name', `${GO_TEXT}\n— PeterNeumann\n`],
    ['two spaces', `${GO_TEXT}\n${PETER_SIG.replace('— ', '—  ')}`],
    ['a control character in the text', `If you\tthink\n\n${PETER_SIG}`],
    ['a carriage return', `${GO_TEXT.replace('\n', '\r\n')}\n${PETER_SIG}`],
    ['a lone surrogate', `bad \uD800 text\n\n${PETER_SIG}`],
    ['the replacement character', `bad \uFFFD text\n\n${PETER_SIG}`],
    ['a trailing blank line', `${GO_TEXT}\n${PETER_SIG}\n`],
    ['101 signatures', `${GO_TEXT}\n${PETER_SIG.repeat(101)}`],
  ])('rejects %s with MALFORMED_NOTE', (_name, note) => {
    expect(() => openNote(note, [peter])).toThrow(code('MALFORMED_NOTE'));
  });

  it('rejects the whole note when a known key’s signature fails', () => {
    const sig = Buffer.from(PETER_SIG.slice('— PeterNeumann '.length, -1), 'base64');
    sig[10] = (sig[10] ?? 0) ^ 1;
    const forged = `${GO_TEXT}\n${ENOCH_SIG}— PeterNeumann ${sig.toString('base64')}\n`;
    expect(() => openNote(forged, [peter, parseVerifierKey(ENOCH_VKEY)])).toThrow(code('BAD_SIGNATURE'));
    expect(() => openNote(`${GO_TEXT.replace('answer', 'Answer')}\n${PETER_SIG}`, [peter])).toThrow(
      code('BAD_SIGNATURE'),
    );
  });

  it('ignores signatures that share only the name or only the key ID of a known key', () => {
    const other = parseSignerKey(generateKeyPair('PeterNeumann').skey);
    const sameName = signNote(GO_TEXT, [other]);
    expect(() => openNote(sameName, [peter])).toThrow(/no signature from a known key/);
    const withBoth = `${sameName}${PETER_SIG}`;
    const opened = openNote(withBoth, [peter]);
    expect(opened.verified).toHaveLength(1);
    expect(opened.unverified).toHaveLength(1);
  });

  it('rejects a note with no signature from a known key', () => {
    expect(() => openNote(GO_NOTE, [parseVerifierKey(ENOCH_VKEY)])).toThrow(code('BAD_SIGNATURE'));
    expect(() => openNote(GO_NOTE, [])).toThrow(code('BAD_SIGNATURE'));
  });

  it('rejects two signatures from the same known key', () => {
    expect(() => openNote(`${GO_NOTE}${PETER_SIG}`, [peter])).toThrow(code('MALFORMED_NOTE'));
  });

  it('accepts more than 16 signatures (signed-note requires at least 16)', () => {
    const pairs = Array.from({ length: 20 }, (_, i) => generateKeyPair(`w${i}.example`));
    const signers: Signer[] = pairs.map((p) => parseSignerKey(p.skey));
    const note = signNote('twenty signatures\n', signers);
    expect(
      openNote(
        note,
        pairs.map((p) => parseVerifierKey(p.vkey)),
      ).verified,
    ).toHaveLength(20);
    expect(parseNote(note).signatures).toHaveLength(20);
  });

  it('refuses to sign text without a final newline, and decodes only valid UTF-8', () => {
    const signer = parseSignerKey(PETER_SKEY);
    expect(() => signNote('no newline', [signer])).toThrow(code('MALFORMED_NOTE'));
    expect(() => signNote('bell\u0007\n', [signer])).toThrow(code('MALFORMED_NOTE'));
    expect(() => decodeNoteBytes(new Uint8Array([0x61, 0xff, 0x0a]))).toThrow(code('MALFORMED_NOTE'));
    expect(decodeNoteBytes(new TextEncoder().encode(GO_NOTE))).toBe(GO_NOTE);
  });
});
