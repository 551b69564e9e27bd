/**
 * The npm checksum log record, v1 or v2 (v2 adds the `time` line: the publish time the upstream
 * gave when the log ingested it): one leaf of the log per package version.
 * Spec: shared/core/docs/record-format.md. Parsing is strict: a record has exactly one text form,
 * so parseRecord(formatRecord(r)) deep-equals r and formatRecord(parseRecord(t)) === t.
 */
import { SumgateError } from '../errors.js';
import { INSTALL_HOOKS, NO_INSTALL_CODE } from '../inspect/installCode.js';
import { decodeBase64Strict, isCanonicalBase64Of } from '../base64.js';
import { isCanonicalVersion } from './canonicalVersion.js';
import { escapeName, unescapeName } from './escapeName.js';

export interface NpmRecord {
  name: string;
  version: string;
  /** `sha512-<base64>` of the tarball, as in package-lock.json and dist.integrity. */
  integrity: string;
  /**
   * `fingerprint` is 'none' (and hooks empty) or `sha256-<base64>` with the hook names in run order.
   * `rules: 1` marks a v1 record (its fingerprint follows the v1 install-code rules); absent, the
   * current rules (v2, written `install v2 ...`).
   */
  installCode: { fingerprint: string; hooks: string[]; rules?: 1 };
  /** The npm registry's `dist.signatures`, when the source served them. */
  signatures: Array<{ keyid: string; sig: string }>;
  /** v2: the upstream's publish time (`time[version]`), canonical ISO-8601 UTC with milliseconds. */
  published?: string;
}

const PUBLISHED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An upstream's `time[version]` as the record's canonical time, or undefined when it is not a time. */
export function canonicalPublishTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function checkPublished(published: string, line?: number): void {
  if (!PUBLISHED.test(published) || canonicalPublishTime(published) !== published) {
    throw malformed(
      `publish time ${JSON.stringify(published)} is not canonical ISO-8601 UTC (YYYY-MM-DDTHH:MM:SS.sssZ)`,
      line,
    );
  }
}

/** record-format.md §"Limits". */
export const MAX_RECORD_BYTES = 64 * 1024;
export const MAX_VERSION_LENGTH = 256;
const MAX_KEYID_LENGTH = 256;
const MAX_SIG_LENGTH = 1024;

function malformed(why: string, line?: number): SumgateError {
  const where = line === undefined ? '' : `line ${line}: `;
  return new SumgateError('MALFORMED_RECORD', `malformed npm checksum record: ${where}${why}`);
}

function checkVersion(version: string, line?: number): void {
  if (version.length > MAX_VERSION_LENGTH)
    throw malformed(`version longer than ${MAX_VERSION_LENGTH} characters`, line);
  if (!isCanonicalVersion(version)) {
    throw malformed(`version ${JSON.stringify(version)} is not a canonical semver version`, line);
  }
}

function checkIntegrity(integrity: string, line?: number): void {
  if (!integrity.startsWith('sha512-') || !isCanonicalBase64Of(integrity.slice(7), 64)) {
    throw malformed(
      `integrity ${JSON.stringify(integrity)} is not sha512-<canonical base64 of 64 bytes>`,
      line,
    );
  }
}

function checkInstallCode(code: { fingerprint: string; hooks: readonly string[] }, line?: number): void {
  if (code.fingerprint === NO_INSTALL_CODE) {
    if (code.hooks.length !== 0) throw malformed('install fingerprint "none" cannot list hooks', line);
    return;
  }
  if (!code.fingerprint.startsWith('sha256-') || !isCanonicalBase64Of(code.fingerprint.slice(7), 32)) {
    throw malformed(
      `install fingerprint ${JSON.stringify(code.fingerprint)} is not "none" or sha256-<canonical base64 of 32 bytes>`,
      line,
    );
  }
  if (code.hooks.length === 0)
    throw malformed('an install fingerprint other than "none" must list its hooks', line);
  let previous = -1;
  for (const hook of code.hooks) {
    const index = (INSTALL_HOOKS as readonly string[]).indexOf(hook);
    if (index < 0) throw malformed(`unknown install hook ${JSON.stringify(hook)}`, line);
    if (index <= previous)
      throw malformed(
        `install hooks must be listed once each, in the order ${INSTALL_HOOKS.join(',')}`,
        line,
      );
    previous = index;
  }
}

function checkSignature(s: { keyid: string; sig: string }, line?: number): void {
  if (!/^[\x21-\x7e]+$/.test(s.keyid) || s.keyid.length > MAX_KEYID_LENGTH) {
    throw malformed(
      `signature keyid ${JSON.stringify(s.keyid)} must be 1-${MAX_KEYID_LENGTH} printable ASCII characters without spaces`,
      line,
    );
  }
  const sig = s.sig.length <= MAX_SIG_LENGTH ? decodeBase64Strict(s.sig) : undefined;
  if (sig === undefined || sig.length === 0) {
    throw malformed(
      `signature by ${s.keyid} is not non-empty canonical base64 of at most ${MAX_SIG_LENGTH} characters`,
      line,
    );
  }
}

/** Formats a record; throws MALFORMED_RECORD when a field cannot be written canonically. */
export function formatRecord(r: NpmRecord): string {
  const escaped = escapeName(r.name);
  checkVersion(r.version);
  checkIntegrity(r.integrity);
  checkInstallCode(r.installCode);
  let text = `npm ${escaped} ${r.version} ${r.integrity}\n`;
  const rules = r.installCode.rules === 1 ? '' : 'v2 ';
  text +=
    r.installCode.hooks.length === 0
      ? `install ${rules}${r.installCode.fingerprint}\n`
      : `install ${rules}${r.installCode.fingerprint} ${r.installCode.hooks.join(',')}\n`;
  if (r.published !== undefined) {
    if (r.installCode.rules === 1) throw malformed('a v1 record has no time line');
    checkPublished(r.published);
    text += `time ${r.published}\n`;
  }
  const seen = new Set<string>();
  for (const s of r.signatures) {
    checkSignature(s);
    const line = `sig ${s.keyid} ${s.sig}\n`;
    if (seen.has(line)) throw malformed(`duplicate signature by ${s.keyid}`);
    seen.add(line);
    text += line;
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_RECORD_BYTES)
    throw malformed(`record longer than ${MAX_RECORD_BYTES} bytes`);
  return text;
}

function fields(line: string, n: number, lineNo: number): string[] {
  const parts = line.split(' ');
  if (parts.some((p) => p === ''))
    throw malformed('fields must be separated by exactly one space, with none leading or trailing', lineNo);
  if (parts.length !== n)
    throw malformed(`expected ${n} space-separated fields, found ${parts.length}`, lineNo);
  return parts;
}

/** Parses a record strictly; throws MALFORMED_RECORD saying which line is wrong and why. */
export function parseRecord(text: string): NpmRecord {
  if (Buffer.byteLength(text, 'utf8') > MAX_RECORD_BYTES)
    throw malformed(`record longer than ${MAX_RECORD_BYTES} bytes`);
  if (!text.endsWith('\n')) throw malformed('record must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    if (line === '') throw malformed('blank line', i + 1);
    const bad = /[^\x20-\x7e]/.exec(line);
    if (bad !== null) {
      const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      throw malformed(`character U+${code} at column ${bad.index + 1}: records are printable ASCII`, i + 1);
    }
  });

  const head = lines[0]!;
  if (!head.startsWith('npm ')) throw malformed('first line must be "npm <name> <version> <integrity>"', 1);
  const [, escaped, version, integrity] = fields(head, 4, 1) as [string, string, string, string];
  let name: string;
  try {
    name = unescapeName(escaped);
  } catch (e) {
    throw malformed((e as Error).message, 1);
  }
  checkVersion(version, 1);
  checkIntegrity(integrity, 1);

  const installLine = lines[1];
  if (installLine === undefined) throw malformed('missing the "install" line', 2);
  if (!installLine.startsWith('install '))
    throw malformed('second line must be "install [v2 ]<fingerprint>[ <hooks>]"', 2);
  const v2 = installLine.startsWith('install v2 ');
  const bare = v2 ? `install ${installLine.slice('install v2 '.length)}` : installLine;
  const installParts = bare.split(' ').length === 2 ? fields(bare, 2, 2) : fields(bare, 3, 2);
  const installCode: NpmRecord['installCode'] = v2
    ? { fingerprint: installParts[1]!, hooks: installParts[2]?.split(',') ?? [] }
    : { fingerprint: installParts[1]!, hooks: installParts[2]?.split(',') ?? [], rules: 1 };
  checkInstallCode(installCode, 2);

  let published: string | undefined;
  let first = 2;
  if (lines[2]?.startsWith('time ') === true) {
    if (!v2) throw malformed('a time line needs the v2 install line ("install v2 ...")', 3);
    published = fields(lines[2], 2, 3)[1]!;
    checkPublished(published, 3);
    first = 3;
  }
  const signatures: Array<{ keyid: string; sig: string }> = [];
  const seen = new Set<string>();
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]!;
    const space = line.indexOf(' ');
    const kind = space < 0 ? line : line.slice(0, space);
    if (kind !== 'sig')
      throw malformed(
        `unknown line kind ${JSON.stringify(kind)} (expected ${i === 2 ? '"time" or ' : ''}"sig")`,
        i + 1,
      );
    const [, keyid, sig] = fields(line, 3, i + 1) as [string, string, string];
    checkSignature({ keyid, sig }, i + 1);
    if (seen.has(line)) throw malformed('duplicate signature line', i + 1);
    seen.add(line);
    signatures.push({ keyid, sig });
  }
  return published === undefined
    ? { name, version, integrity, installCode, signatures }
    : { name, version, integrity, installCode, signatures, published };
}

/** The lookup key, `<escaped name>@<version>`, as in GET /lookup/<key>. */
export function recordKey(name: string, version: string): string {
  checkVersion(version);
  return `${escapeName(name)}@${version}`;
}

/** Inverse of {@link recordKey}; accepts only canonical keys. */
export function parseRecordKey(key: string): { name: string; version: string } {
  const at = key.lastIndexOf('@');
  if (at <= 0)
    throw new SumgateError(
      'MALFORMED_RECORD',
      `malformed lookup key ${JSON.stringify(key)}: expected <escaped name>@<version>`,
    );
  const version = key.slice(at + 1);
  const name = unescapeName(key.slice(0, at));
  checkVersion(version);
  return { name, version };
}
