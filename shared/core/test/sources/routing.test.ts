import { describe, expect, it } from 'vitest';
import type { SourcePolicy } from '../../src/policy/policy.js';
import { conventionalTarballUrl, packumentPath, routeSources } from '../../src/sources/routing.js';

const src = (name: string, scopes?: string[]): SourcePolicy => ({
  name,
  url: `http://127.0.0.1/${name}/`,
  scopes,
});
const sources = [src('a'), src('b'), src('corp', ['@corp']), src('c')];

describe('routing', () => {
  it('ordered: every unscoped source in order, scoped sources excluded', () => {
    expect(routeSources('left-pad', sources, 'ordered').map((s) => s.name)).toEqual(['a', 'b', 'c']);
  });

  it('per scope: a scope with its own source goes only there', () => {
    expect(routeSources('@corp/ui', sources, 'ordered').map((s) => s.name)).toEqual(['corp']);
    expect(routeSources('@other/ui', sources, 'ordered').map((s) => s.name)).toEqual(['a', 'b', 'c']);
  });

  it('spread: deterministic start by name, every source kept for failover, roughly even', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const r = routeSources(`pkg-${i}`, sources, 'spread');
      expect(r.map((s) => s.name).sort()).toEqual(['a', 'b', 'c']);
      expect(routeSources(`pkg-${i}`, sources, 'spread')).toEqual(r);
      counts.set(r[0]!.name, (counts.get(r[0]!.name) ?? 0) + 1);
    }
    for (const n of ['a', 'b', 'c']) expect(counts.get(n)).toBeGreaterThan(800);
  });

  it('builds packument paths and conventional tarball URLs', () => {
    expect(packumentPath('@scope/name')).toBe('@scope%2Fname');
    expect(conventionalTarballUrl('http://r/', '@scope/name', '1.0.0')).toBe(
      'http://r/@scope/name/-/name-1.0.0.tgz',
    );
    expect(conventionalTarballUrl('http://r/', 'left-pad', '1.3.0')).toBe(
      'http://r/left-pad/-/left-pad-1.3.0.tgz',
    );
  });
});
