// The benchmark's no-op pnpmfile: the same hooks the sumgate pnpmfile exports, each doing nothing
// (fetchers delegate to pnpm's own). Its install time is the package manager's floor: what pnpm
// costs merely because a pnpmfile with these hooks is present (pnpm 12 runs them in Node workers).
'use strict';

const isRemoteTarball = (resolution) =>
  resolution !== undefined &&
  resolution.type === undefined &&
  (resolution.tarball === undefined
    ? resolution.integrity !== undefined
    : /^https?:\/\//.test(resolution.tarball));

module.exports = {
  hooks: {
    preResolution() {},
    readPackage: (pkg) => pkg,
    afterAllResolved: (lockfile) => lockfile,
    updateConfig: (config) => config,
    // pnpm 10
    fetchers: {
      remoteTarball:
        ({ defaultFetchers }) =>
        (cafs, resolution, opts) =>
          defaultFetchers.remoteTarball(cafs, resolution, opts),
    },
  },
  // pnpm 12
  fetchers: [
    {
      canFetch: (_pkgId, resolution) => isRemoteTarball(resolution),
      fetch: (_cafs, resolution) => ({ delegate: resolution }),
    },
  ],
};
