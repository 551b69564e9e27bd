/**
 * One line per place the install-code closure could not be followed statically (a computed
 * require/import, `require` as a value, unparseable JavaScript): which file, which expression, and
 * what it can reach, as shared/core/src/inspect/jsClosure.ts decided. Shown by `approve` and `explain`.
 */
import type { InstallCode } from '@sumgate/core';
import { visible } from './terminalText.js';

export function widenedLines(code: InstallCode): string[] {
  return (code.widened ?? []).map((w) => {
    const reaches = w.reaches ?? (w.scope === '' ? 'the whole package' : `every file under ${w.scope}/`);
    const expression = w.expression === undefined ? '' : ` \`${visible(w.expression)}\``;
    const added =
      w.files === undefined ? '' : `; ${w.files} file${w.files === 1 ? '' : 's'} added to the install code`;
    return `widened: ${visible(w.from)}${expression} (${w.reason}) can reach ${visible(reaches)}${added}`;
  });
}
