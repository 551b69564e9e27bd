import { createHash } from 'node:crypto';

/** The sha512 Subresource Integrity string of some bytes, as npm's `dist.integrity` has it. */
export function sha512Sri(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/**
 * The sha512 token of an SRI string (W3C SRI §3.5: space-separated `<alg>-<base64>` tokens). Old
 * npm entries may carry only sha1, which the log (sha512) cannot be compared with: undefined then.
 */
export function sha512Of(sri: string | undefined): string | undefined {
  if (sri === undefined) return undefined;
  return sri.split(/\s+/).find((t) => t.startsWith('sha512-'));
}
