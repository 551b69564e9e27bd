import { defineConfig } from 'tsup'; export default defineConfig({ entry: [], });
