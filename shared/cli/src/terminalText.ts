/**
 * Text from packages (install scripts, file contents) shown to a person deciding whether to trust it.
 * Control characters are made visible, so an escape sequence cannot hide or rewrite what is shown
 * (ECMA-48 CSI/OSC sequences start with ESC or C1 controls; a bare CR can overprint a line).
 */
export function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => {
      const code = c.charCodeAt(0);
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`;
    },
  );
}
