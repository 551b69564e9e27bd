// `pnpm run bench` (the root package.json's script): the pnpm adapter benchmark. See README.md.
import './pnpm.mjs';
