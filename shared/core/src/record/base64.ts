/**
 * Canonical standard base64 (RFC 4648 §4, with padding). Node's decoder is lenient (it skips
 * unknown characters and accepts non-zero pad bits), so a record could otherwise be written in
 * several ways; we accept only the one Buffer#toString('base64') produces.
 */
const SHAPE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes of canonical base64 text, or undefined when the text is not canonical. */
export function decodeCanonicalBase64(text: string): Buffer | undefined {
  if (!SHAPE.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
