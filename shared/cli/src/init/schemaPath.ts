/**
 * The `$schema` `sumgate init` writes: a path inside the user's project, so editors find it
 * offline. Only files the project really has count (the CLI, the pnpm config dependency or the
 * core library installed in it); with none of them, the policy has no `$schema`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Relative to the project root, most specific first. */
export const SCHEMA_CANDIDATES: readonly string[] = [
  'node_modules/sumgate/dist/policy.schema.json',
  'node_modules/.pnpm-config/pnpm-plugin-sumgate/policy.schema.json',
  'node_modules/pnpm-plugin-sumgate/policy.schema.json',
  'node_modules/@sumgate/core/policy.schema.json',
];

/** `./<relative path>` of the first schema the project has, or undefined. */
export function projectSchemaPath(root: string): string | undefined {
  const found = SCHEMA_CANDIDATES.find((rel) => existsSync(path.join(root, rel)));
  return found === undefined ? undefined : `./${found}`;
}
