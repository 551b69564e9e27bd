/**
 * [network] No false refusals: every tarball of a real tree of REAL_TREE_PACKAGES (default 1,000)
 * packages from the npm registry passes the canonical reader and the inspector. Needs the network
 * (NPM_REGISTRY, default https://registry.npmjs.org/): runs by default; SUMGATE_OFFLINE=1 skips it.
 */
import { describe, expect, it } from 'vitest';
import { checkTree, resolveTree } from './realTree.js';

const offline = process.env['SUMGATE_OFFLINE'] === '1';
const REGISTRY = process.env['NPM_REGISTRY'] ?? 'https://registry.npmjs.org/';
const LIMIT = Number(process.env['REAL_TREE_PACKAGES'] ?? 1000);

describe.skipIf(offline)('[network] the canonical reader on a real tree', () => {
  it(`reads every tarball of ${LIMIT} real packages without a refusal`, async () => {
    const tree = await resolveTree(REGISTRY, LIMIT);
    expect(tree.length).toBe(LIMIT);
    const result = await checkTree(tree);
    console.log(
      `real tree from ${REGISTRY}: ${tree.length} packages resolved, ${result.checked} tarballs read by the canonical reader (${result.withInstallCode} with install-time code), ${result.refused.length} refused, ${result.unavailable.length} unavailable`,
    );
    for (const r of [...result.refused, ...result.unavailable].slice(0, 20))
      console.log(`  ${r.pkg}: ${r.reason}`);
    expect(result.refused).toEqual([]);
    expect(result.unavailable.length).toBeLessThanOrEqual(LIMIT / 100);
    expect(result.checked).toBeGreaterThanOrEqual(LIMIT - result.unavailable.length);
  }, 1_200_000);
});
