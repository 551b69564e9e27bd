import { SumgateError } from '../errors.js';

/** A bad policy key: names the file, the key path and what was expected. */
export function policyError(
  file: string,
  key: string,
  expected: string,
  got?: unknown,
  fix?: string,
): SumgateError {
  const shown = got === undefined ? '' : `, got ${JSON.stringify(got)?.slice(0, 80)}`;
  return new SumgateError('POLICY_INVALID', `${file}: "${key}" must be ${expected}${shown}`, {
    fix:
      fix ?? `edit ${file} (every key is documented in the README, and in @sumgate/core/policy.schema.json)`,
    data: { file, key, expected },
  });
}
