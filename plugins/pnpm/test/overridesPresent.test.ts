import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { overridesPresent } from '../src/overridesPresent.js';

const dirs: string[] = [];
const tree = (files: Record<string, string>): string => {
  const root = mkdtempSync(path.join(tmpdir(), 'sumgate-overrides-'));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('overridesPresent (whether pnpm 12 config worker must load the core)', () => {
  it('is false only when neither the config nor any package.json at or above the dir has overrides', () => {
    const root = tree({
      'package.json': '{"name":"app","dependencies":{"a":"1.0.0"}}',
      'sub/package.json': '{}',
    });
    expect(overridesPresent(undefined, root)).toBe(false);
    expect(overridesPresent({}, path.join(root, 'sub'))).toBe(false);
  });

  it('sees the config overrides (pnpm-workspace.yaml)', () => {
    const root = tree({ 'package.json': '{}' });
    expect(overridesPresent({ a: 'github:x/y' }, root)).toBe(true);
  });

  it('sees resolutions or pnpm.overrides in any ancestor, not only the nearest manifest', () => {
    const a = tree({ 'package.json': '{"resolutions":{"a":"1.0.0"}}', 'pkg/package.json': '{}' });
    expect(overridesPresent(undefined, path.join(a, 'pkg'))).toBe(true);
    const b = tree({ 'package.json': '{"pnpm":{"overrides":{"a":"git+https://x/y.git"}}}' });
    expect(overridesPresent(undefined, b)).toBe(true);
    const empty = tree({ 'package.json': '{"resolutions":{},"pnpm":{"overrides":{}}}' });
    expect(overridesPresent(undefined, empty)).toBe(false);
  });

  it('says yes when a manifest cannot be read as JSON, so the guard judges it properly', () => {
    const root = tree({ 'package.json': '{ not json' });
    expect(overridesPresent(undefined, root)).toBe(true);
  });
});
