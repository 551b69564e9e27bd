/**
 * The one error the tar reader throws: MALFORMED_TARBALL, naming the entry and the exact reason.
 * Every refusal means "some extractor would read this archive differently from another", so the
 * fix is always the same: do not install it.
 */
import { SumgateError } from '../errors.js';

/** Where in the archive a refusal happened (the entry's header offset and, when known, its name). */
export interface EntryContext {
  /** Byte offset of the entry's first header block in the uncompressed archive. */
  readonly at: number;
  /** The entry's name as far as it was read (undefined before the name is known). */
  readonly name?: string | undefined;
}

export function malformed(why: string, entry?: EntryContext): SumgateError {
  const where =
    entry === undefined
      ? ''
      : `entry ${entry.name === undefined ? '' : `${JSON.stringify(entry.name)} `}(header at byte ${entry.at}): `;
  return new SumgateError('MALFORMED_TARBALL', `malformed package tarball: ${where}${why}`, {
    fix: 'the tarball is damaged or was crafted so that extractors disagree on its files; do not install it, and report it to the registry',
  });
}

/**
 * The same error with the package named in front (`foo@1.0.0: malformed package tarball: ...`),
 * for callers that know which package the bytes are.
 */
export function withPackage(e: unknown, pkg: string | undefined): unknown {
  if (pkg === undefined || !(e instanceof SumgateError) || e.code !== 'MALFORMED_TARBALL') return e;
  return new SumgateError('MALFORMED_TARBALL', `${pkg}: ${e.message}`, { fix: e.fix, pkg, data: e.data });
}
