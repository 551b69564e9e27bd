/**
 * c2sp.org/signed-note (Go's golang.org/x/mod/sumdb/note): text signed by one or more keys.
 *
 *     <text ending in \n>
 *     <blank line>
 *     — <key name> base64(uint32 BE key ID || signature)
 *     ...
 *
 * Signatures from unknown (name, key ID) pairs are ignored; a known key whose signature fails
 * rejects the whole note; a note with no verified signature is rejected.
 */
import { createHash } from 'node:crypto';
import { SumgateError } from '../errors.js';
import { decodeBase64Strict, encodeBase64 } from '../base64.js';
import {
  ed25519PrivateKey,
  ed25519PublicFromSeed,
  ed25519PublicKey,
  ed25519Seed,
  ed25519Sign,
  ed25519Verify,
} from './ed25519.js';

/** c2sp.org/signed-note "Signature types": 0x01 is Ed25519 over the note text. */
export const SIG_TYPE_ED25519 = 0x01;
/** Go's note.Open refuses notes with more than 100 signatures; the spec requires accepting at least 16. */
export const MAX_SIGNATURES = 100;

const EM_DASH_PREFIX = '\u2014 ';

export interface Verifier {
  readonly name: string;
  readonly keyHash: number;
  /** Whether `sig` (the signature bytes after the 4-byte key ID) signs `msg` (the note text). */
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

export interface Signer {
  readonly name: string;
  readonly keyHash: number;
  /** The signature bytes (without the key ID) over `msg` (the note text). */
  sign(msg: Uint8Array): Uint8Array;
}

export interface NoteSignature {
  name: string;
  keyHash: number;
  /** The signature bytes after the 4-byte key ID. */
  signature: Uint8Array;
}

export interface Note {
  /** The signed text, including its final newline. */
  text: string;
  signatures: NoteSignature[];
}

export interface OpenedNote {
  text: string;
  verified: NoteSignature[];
  unverified: NoteSignature[];
}

function malformedNote(why: string): SumgateError {
  return new SumgateError('MALFORMED_NOTE', `malformed signed note: ${why}`);
}

function badKey(what: string, why: string): SumgateError {
  return new SumgateError('POLICY_INVALID', `invalid ${what}: ${why}`, {
    fix: 'use the key exactly as the log or witness publishes it (verifier key: <name>+<8 hex>+<base64>)',
  });
}

const encoder = new TextEncoder();
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** c2sp.org/signed-note "Signatures": key ID = SHA-256(name || 0x0A || type || public key)[:4], big-endian. */
export function keyHash(name: string, type: number, publicKey: Uint8Array): number {
  const digest = createHash('sha256')
    .update(utf8(name))
    .update(new Uint8Array([0x0a, type]))
    .update(publicKey)
    .digest();
  return digest.readUInt32BE(0);
}

export function keyHashHex(hash: number): string {
  return hash.toString(16).padStart(8, '0');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000B-\u001F]/;
const SPACE_OR_PLUS = /[\s\u0085+]/u;

/** c2sp.org/signed-note "Format": key names are non-empty, with no Unicode spaces and no `+`. */
export function isValidKeyName(name: string): boolean {
  return (
    name.length > 0 &&
    !SPACE_OR_PLUS.test(name) &&
    !CONTROL_EXCEPT_NEWLINE.test(name) &&
    !LONE_SURROGATE.test(name) &&
    !name.includes('\uFFFD')
  );
}

/**
 * c2sp.org/signed-note "Format": valid UTF-8 (here: no lone surrogates, and no U+FFFD, which is
 * what a decoder leaves for invalid bytes, as Go's note.go also refuses) with no control
 * characters other than newline.
 */
function checkNoteChars(text: string): void {
  if (CONTROL_EXCEPT_NEWLINE.test(text)) throw malformedNote('control character');
  if (LONE_SURROGATE.test(text) || text.includes('\uFFFD')) throw malformedNote('invalid UTF-8');
}

/** Decodes note bytes from the network; invalid UTF-8 is MALFORMED_NOTE. */
export function decodeNoteBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw malformedNote('invalid UTF-8');
  }
}

export interface VerifierKey {
  name: string;
  keyHash: number;
  type: number;
  publicKey: Uint8Array;
}

/**
 * c2sp.org/signed-note "Verifier keys": `<name>+<hex key ID>+base64(type || public key)`, split at
 * the first two `+` only (the base64 may contain `+`). Checks the key ID; any signature type.
 */
export function decodeVerifierKey(vkey: string): VerifierKey {
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw badKey('verifier key', 'expected <name>+<key ID>+<base64 key>');
  const name = vkey.slice(0, first);
  const hex = vkey.slice(first + 1, second);
  const b64 = vkey.slice(second + 1);
  if (!isValidKeyName(name)) throw badKey('verifier key', `bad key name ${JSON.stringify(name)}`);
  if (!/^[0-9a-f]{8}$/.test(hex)) throw badKey('verifier key', 'key ID must be 8 lowercase hex digits');
  const raw = decodeBase64Strict(b64);
  if (raw === undefined || raw.length < 2) throw badKey('verifier key', 'bad base64 key material');
  const type = raw[0] ?? 0;
  const publicKey = raw.slice(1);
  const hash = Number.parseInt(hex, 16);
  if (keyHash(name, type, publicKey) !== hash)
    throw badKey('verifier key', `key ID ${hex} does not match the key`);
  return { name, keyHash: hash, type, publicKey };
}

/** A Verifier for an Ed25519 note key (signature type 0x01). */
export function ed25519Verifier(name: string, publicKey: Uint8Array): Verifier {
  if (!isValidKeyName(name)) throw badKey('verifier key', `bad key name ${JSON.stringify(name)}`);
  const key = ed25519PublicKey(publicKey);
  return {
    name,
    keyHash: keyHash(name, SIG_TYPE_ED25519, publicKey),
    verify: (msg, sig) => ed25519Verify(key, msg, sig),
  };
}

/** Parses an Ed25519 (type 0x01) verifier key. Other types: 'unsupported key type' (see parseCosignerKey for 0x04). */
export function parseVerifierKey(vkey: string): Verifier {
  const k = decodeVerifierKey(vkey);
  if (k.type !== SIG_TYPE_ED25519) {
    throw badKey(
      'verifier key',
      `unsupported key type 0x${k.type.toString(16).padStart(2, '0')} for ${k.name}`,
    );
  }
  if (k.publicKey.length !== 32) throw badKey('verifier key', 'Ed25519 key must be 32 bytes');
  return ed25519Verifier(k.name, k.publicKey);
}

export interface SignerKey {
  name: string;
  keyHash: number;
  type: number;
  /** The private key material (an Ed25519 seed for types 0x01 and 0x04). */
  secret: Uint8Array;
}

/** Go's signer key format: `PRIVATE+KEY+<name>+<hex key ID>+base64(type || secret)`. Any type; key ID not checked. */
export function decodeSignerKey(skey: string): SignerKey {
  const parts: string[] = [];
  let rest = skey;
  for (let i = 0; i < 4; i++) {
    const at = rest.indexOf('+');
    if (at < 0) throw badKey('signer key', 'expected PRIVATE+KEY+<name>+<key ID>+<base64>');
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  const [priv, key, name = '', hex = ''] = parts;
  if (priv !== 'PRIVATE' || key !== 'KEY') throw badKey('signer key', 'must start with PRIVATE+KEY+');
  if (!isValidKeyName(name)) throw badKey('signer key', `bad key name ${JSON.stringify(name)}`);
  if (!/^[0-9a-f]{8}$/.test(hex)) throw badKey('signer key', 'key ID must be 8 lowercase hex digits');
  const raw = decodeBase64Strict(rest);
  if (raw === undefined || raw.length < 2) throw badKey('signer key', 'bad base64 key material');
  return { name, keyHash: Number.parseInt(hex, 16), type: raw[0] ?? 0, secret: raw.slice(1) };
}

/** An Ed25519 note Signer (type 0x01) from a 32-byte seed. */
export function ed25519Signer(name: string, seed: Uint8Array): Signer {
  if (!isValidKeyName(name)) throw badKey('signer key', `bad key name ${JSON.stringify(name)}`);
  const key = ed25519PrivateKey(seed);
  return {
    name,
    keyHash: keyHash(name, SIG_TYPE_ED25519, ed25519PublicFromSeed(seed)),
    sign: (msg) => ed25519Sign(key, msg),
  };
}

/** Parses a Go-format Ed25519 signer key and checks its key ID against the derived public key. */
export function parseSignerKey(skey: string): Signer {
  const k = decodeSignerKey(skey);
  if (k.type !== SIG_TYPE_ED25519 || k.secret.length !== 32) {
    throw badKey(
      'signer key',
      `unsupported key type 0x${k.type.toString(16).padStart(2, '0')} for ${k.name}`,
    );
  }
  const signer = ed25519Signer(k.name, k.secret);
  if (signer.keyHash !== k.keyHash) throw badKey('signer key', 'key ID does not match the key');
  return signer;
}

/** Formats keys in the Go/C2SP text forms. */
export function formatSignerKey(
  name: string,
  type: number,
  secret: Uint8Array,
  publicKey: Uint8Array,
): string {
  const hash = keyHashHex(keyHash(name, type, publicKey));
  return `PRIVATE+KEY+${name}+${hash}+${encodeBase64(new Uint8Array([type, ...secret]))}`;
}

export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  const hash = keyHashHex(keyHash(name, type, publicKey));
  return `${name}+${hash}+${encodeBase64(new Uint8Array([type, ...publicKey]))}`;
}

/** A fresh Ed25519 key pair in Go's formats, like note.GenerateKey. */
export function generateKeyPair(name: string): { skey: string; vkey: string } {
  if (!isValidKeyName(name)) throw badKey('key name', `bad key name ${JSON.stringify(name)}`);
  const seed = ed25519Seed();
  const pub = ed25519PublicFromSeed(seed);
  return {
    skey: formatSignerKey(name, SIG_TYPE_ED25519, seed, pub),
    vkey: formatVerifierKey(name, SIG_TYPE_ED25519, pub),
  };
}

/** Parses a signed note without verifying it (attacker-controlled input: strict, MALFORMED_NOTE). */
export function parseNote(text: string): Note {
  checkNoteChars(text);
  // The text is separated from the signatures by the last empty line.
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw malformedNote('no blank line before the signatures');
  const body = text.slice(0, split + 1);
  const sigBlock = text.slice(split + 2);
  if (sigBlock === '' || !sigBlock.endsWith('\n'))
    throw malformedNote('signature lines must end in a newline');
  const lines = sigBlock.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformedNote(`more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map(parseSignatureLine);
  return { text: body, signatures };
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(EM_DASH_PREFIX)) throw malformedNote('signature line must start with "\u2014 "');
  const rest = line.slice(EM_DASH_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw malformedNote('signature line has no signature');
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) throw malformedNote('bad key name in signature line');
  const raw = decodeBase64Strict(rest.slice(space + 1));
  if (raw === undefined || raw.length < 5) throw malformedNote('bad base64 signature');
  const keyHashValue = Buffer.from(raw.buffer, raw.byteOffset, 4).readUInt32BE(0);
  return { name, keyHash: keyHashValue, signature: raw.slice(4) };
}

/**
 * Verifies a signed note against trusted keys (c2sp.org/signed-note "Signatures"): signatures from
 * unknown (name, key ID) pairs are kept in `unverified`; a known key's failing signature rejects the
 * note (BAD_SIGNATURE); at least one known key must have signed.
 */
export function openNote(text: string, verifiers: readonly Verifier[]): OpenedNote {
  const note = parseNote(text);
  const msg = utf8(note.text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seenKnown = new Set<string>();
  const seenUnknown = new Set<string>();
  for (const sig of note.signatures) {
    const id = `${sig.name}+${keyHashHex(sig.keyHash)}`;
    const matches = verifiers.filter((v) => v.name === sig.name && v.keyHash === sig.keyHash);
    if (matches.length === 0) {
      // Go's note.Open drops repeated identical unverified signatures.
      const line = `${id} ${encodeBase64(sig.signature)}`;
      if (!seenUnknown.has(line)) unverified.push(sig);
      seenUnknown.add(line);
      continue;
    }
    if (matches.length > 1) {
      throw new SumgateError('POLICY_INVALID', `two trusted keys share the name and key ID ${id}`, {
        fix: 'remove the duplicate key from the configuration',
      });
    }
    if (seenKnown.has(id)) throw malformedNote(`two signatures from ${id}`);
    seenKnown.add(id);
    if (!matches[0]?.verify(msg, sig.signature)) {
      throw new SumgateError('BAD_SIGNATURE', `signed note: the signature from ${id} does not verify`, {
        fix: 'the note was forged or corrupted in transit; retry from another source and report it to the log operator',
        data: { keyName: sig.name, keyId: keyHashHex(sig.keyHash) },
      });
    }
    verified.push(sig);
  }
  if (verified.length === 0) {
    throw new SumgateError('BAD_SIGNATURE', 'signed note: no signature from a known key', {
      fix: 'check that the configured log key matches the log (its name and key ID must match a signature line)',
      data: { signers: note.signatures.map((s) => `${s.name}+${keyHashHex(s.keyHash)}`) },
    });
  }
  return { text: note.text, verified, unverified };
}

/** One signature line, `— <name> base64(key ID || signature)\n`. */
export function formatSignatureLine(sig: NoteSignature): string {
  const raw = new Uint8Array(4 + sig.signature.length);
  Buffer.from(raw.buffer).writeUInt32BE(sig.keyHash >>> 0, 0);
  raw.set(sig.signature, 4);
  return `${EM_DASH_PREFIX}${sig.name} ${encodeBase64(raw)}\n`;
}

/** Formats a note: text, blank line, signature lines. */
export function formatNote(note: Note): string {
  checkNoteText(note.text);
  if (note.signatures.length === 0) throw malformedNote('a note needs at least one signature');
  for (const s of note.signatures) if (!isValidKeyName(s.name)) throw malformedNote('bad key name');
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
}

function checkNoteText(text: string): void {
  if (!text.endsWith('\n')) throw malformedNote('note text must end in a newline');
  checkNoteChars(text);
}

/** Signs `text` with each signer and formats the note (like Go's note.Sign). */
export function signNote(text: string, signers: readonly Signer[]): string {
  checkNoteText(text);
  const ids = new Set<string>();
  const msg = utf8(text);
  const signatures = signers.map((s) => {
    const id = `${s.name}+${keyHashHex(s.keyHash)}`;
    if (ids.has(id)) throw new RangeError(`two signers share the name and key ID ${id}`);
    ids.add(id);
    return { name: s.name, keyHash: s.keyHash, signature: s.sign(msg) };
  });
  return formatNote({ text, signatures });
}
