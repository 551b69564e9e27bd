/** This CLI's version, from its package.json (bundled into dist/sumgate.js at build time). */
import manifest from '../package.json' with { type: 'json' };

export const CLI_VERSION: string = manifest.version;
