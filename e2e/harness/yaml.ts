/**
 * A minimal YAML writer for test config files (pnpm-workspace.yaml, .yarnrc.yml, verdaccio's
 * config.yaml): block mappings and sequences of JSON-like values. Strings are written as
 * double-quoted scalars, which YAML 1.2 §7.3.1 defines with JSON's escapes, so any string
 * round-trips; keys are quoted unless they are plain identifiers.
 */
export function toYaml(value: Readonly<Record<string, unknown>>): string {
  return `${block(value, 0)}\n`;
}

function block(value: unknown, indent: number): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]`;
    return value
      .map((item) => (isNested(item) ? `${pad}-\n${block(item, indent + 2)}` : `${pad}- ${scalar(item)}`))
      .join('\n');
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return `${pad}{}`;
    return entries
      .map(([k, v]) =>
        isNested(v) ? `${pad}${key(k)}:\n${block(v, indent + 2)}` : `${pad}${key(k)}: ${scalar(v)}`,
      )
      .join('\n');
  }
  return `${pad}${scalar(value)}`;
}

function isNested(value: unknown): boolean {
  return (
    (Array.isArray(value) && value.length > 0) || (isPlainObject(value) && Object.keys(value).length > 0)
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function key(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k) ? k : JSON.stringify(k);
}

function scalar(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return '[]';
  if (isPlainObject(value)) return '{}';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  throw new Error(`toYaml: unsupported value ${String(value)}`);
}
