import { isSumgateError } from '@sumgate/core';

/**
 * Turns a sumgate refusal into the error shape pnpm prints well: pnpm 10 shows `<code>  <message>`
 * (the message carries the fix); pnpm 12 wraps hook errors and prints only `err.stack`, so the stack is the whole
 * description, code and fix included (no JS frames in a user-facing refusal). Every code is shown
 * the same way; a security-tier code (the core's error table) is headed SECURITY ERROR.
 */
export function toPnpmError(e: unknown): unknown {
  if (!isSumgateError(e)) return e;
  const head = e.tier === 'security' && !e.message.startsWith('SECURITY') ? `SECURITY ERROR: ${e.message}` : e.message;
  // The fix is part of the message: pnpm 10 drops `hint` for errors raised while fetching.
  const err = new Error(e.fix === undefined ? head : `${head}\n  fix: ${e.fix}`) as Error & { code?: string; sumgate?: unknown };
  err.code = `SUMGATE_${e.code}`;
  err.stack = e.describe();
  err.sumgate = e.toJSON();
  return err;
}
