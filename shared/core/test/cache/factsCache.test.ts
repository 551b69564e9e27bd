import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FactsCache } from '../../src/cache/factsCache.js';
import type { CachedFacts } from '../../src/cache/factsCache.js';

const SRI = `sha512-${Buffer.alloc(64, 1).toString('base64')}`;
const OTHER = `sha512-${Buffer.alloc(64, 2).toString('base64')}`;
const facts: CachedFacts = { v: 1, record: `npm a 1.0.0 ${SRI}\ninstall none\n`, index: 4, checkpointSize: 9, origin: 'o.test/log' };

describe('FactsCache', () => {
  it('finds facts by name@version and integrity; a caller without an integrity finds the proven one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sumgate-facts-'));
    const cache = new FactsCache(dir);
    expect(cache.lookup('a', '1.0.0', undefined)).toBeUndefined();
    cache.set('a', '1.0.0', facts);
    cache.set('a', '1.0.0', { ...facts, index: 99 }); // a first write never clobbers an existing entry
    expect(cache.lookup('a', '1.0.0', SRI)?.index).toBe(4);
    expect(cache.lookup('a', '1.0.0', SRI)).toEqual(facts);
    expect(cache.lookup('a', '1.0.0', undefined)).toEqual(facts); // Yarn: no integrity in its lockfile
    expect(cache.lookup('a', '1.0.0', OTHER)).toBeUndefined(); // a lockfile that disagrees never hits
    expect(cache.lookup('a', '1.0.1', undefined)).toBeUndefined();
    // another process reading a damaged entry sees a miss, not an error
    cache.set('a', '1.0.0', { ...facts, previous: { version: '0.9.0', record: undefined } }, true); // adding facts replaces it
    expect(cache.lookup('a', '1.0.0', SRI)?.previous?.version).toBe('0.9.0');
    const shard = path.join(dir, 'facts', 'v2');
    const file = readdirSync(shard, { recursive: true }).map(String).find((f) => f.endsWith('.json'))!;
    writeFileSync(path.join(shard, file), '{"v":1,"rec');
    expect(cache.lookup('a', '1.0.0', SRI)).toBeUndefined();
  });
});
