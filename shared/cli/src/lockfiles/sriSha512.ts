/**
 * The sha512 part of a Subresource Integrity string (W3C SRI §3.5: space-separated
 * `<alg>-<base64>` tokens). Old npm entries may carry only sha1, which the log (sha512) cannot be
 * compared with: undefined then.
 */
export function sha512Of(sri: string | undefined): string | undefined {
  if (sri === undefined) return undefined;
  return sri.split(/\s+/).find((t) => t.startsWith('sha512-'));
}
