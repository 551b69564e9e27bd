import { isSumgateError } from '@sumgate/core';
import type { SumgateError } from '@sumgate/core';

/** pnpm 10's JS CLI runs hooks in its own process; pnpm 12 runs them in Node workers started without a script path. */
const IN_PNPM_PROCESS = /pnpm/i.test(process.argv[1] ?? '');
const printed = new WeakSet<SumgateError>();

/**
 * Turns a sumgate refusal into the error each pnpm prints once, with the sumgate code and fix and
 * no JS frames. The fix is part of the message (pnpm 10 drops `hint` for errors raised while
 * fetching); a security-tier code (the core's error table) is headed SECURITY ERROR. pnpm 10 prints
 * `<code>  <message>` without a stack only for codes starting with ERR_PNPM_, and an updateConfig
 * error as ` ERROR  <message>` without its code (`codeInMessage` puts it there). pnpm 12 wraps hook
 * errors in ERR_PNPM_PNPMFILE_FAIL and repeats their `stack` for every package on the failing path,
 * so there the full description is written to stderr once (pnpm 12 shows a worker's stderr) and the
 * stack is a one-line pointer with the code.
 */
export function toPnpmError(e: unknown, opts: { codeInMessage?: boolean } = {}): unknown {
  if (!isSumgateError(e)) return e;
  const head =
    e.tier === 'security' && !e.message.startsWith('SECURITY') ? `SECURITY ERROR: ${e.message}` : e.message;
  const text = e.fix === undefined ? head : `${head}\n  fix: ${e.fix}`;
  const err = new Error(opts.codeInMessage === true ? `SUMGATE_${e.code}: ${text}` : text) as Error & {
    code?: string;
    sumgate?: unknown;
  };
  err.code = `ERR_PNPM_SUMGATE_${e.code}`;
  err.sumgate = e.toJSON();
  if (IN_PNPM_PROCESS) {
    err.stack = undefined;
  } else {
    if (!printed.has(e)) {
      printed.add(e);
      console.error(`\nsumgate SUMGATE_${e.code}: ${text}\n`);
    }
    err.stack = `SUMGATE_${e.code}: sumgate refused the install (the reason and the fix are printed above)`;
  }
  return err;
}
