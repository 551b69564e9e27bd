import { structUtils } from '@yarnpkg/core';

const BUILTIN_PATCH = /^(optional!)?builtin<[^<>]+>$/;

/**
 * Yarn's own built-in patches: its compat plugin rewrites every `typescript`, `resolve` and
 * `fsevents` dependency to `patch:<name>@<range>#optional!builtin<compat/<name>>` before other
 * plugins' `reduceDependency` see it. The patch ships inside Yarn itself; the bytes patched are
 * the inner range's package, which Yarn fetches (through the verifying fetcher) like any other.
 * Returns that inner range, to be judged instead, when every patch of the range is built-in;
 * undefined for anything else (a user's patch file is not Yarn's, and stays exotic).
 */
export function builtinPatchedRange(range: string): string | undefined {
  if (!range.startsWith('patch:')) return undefined;
  const { source, selector } = structUtils.parseRange(range);
  if (source === null || selector === '' || !selector.split('&').every((part) => BUILTIN_PATCH.test(part)))
    return undefined;
  return structUtils.parseDescriptor(source).range;
}
