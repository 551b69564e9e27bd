import { isSumgateError } from '@sumgate/core';

/**
 * Turns a sumgate refusal into the error shape pnpm prints well: pnpm 10 shows `<code>  <message>`
 * plus `hint`; pnpm 12 wraps hook errors and prints only `err.stack`, so the stack is the whole
 * description, code and fix included (no JS frames in a user-facing refusal). Every code is shown
 * the same way; a security-tier code (the core's error table) is headed SECURITY ERROR.
 */
export function toPnpmError(e: unknown): unknown {
  if (!isSumgateError(e)) return e;
  const err = new Error(e.tier === 'security' && !e.message.startsWith('SECURITY') ? `SECURITY ERROR: ${e.message}` : e.message) as Error & { code?: string; hint?: string; sumgate?: unknown };
  err.code = `SUMGATE_${e.code}`;
  if (e.fix !== undefined) err.hint = `fix: ${e.fix}`;
  err.stack = e.describe();
  err.sumgate = e.toJSON();
  return err;
}
