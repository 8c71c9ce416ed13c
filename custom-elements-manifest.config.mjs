// Analyzer settings; `npm run analyze` (scripts/analyze.mjs) writes custom-elements.json, `npm test` checks it is current.
// The plugin (scripts/manifest-plugin.mjs) makes it describe the shipped package: dist/ paths, definitions,
// typed attributes with literal defaults, typed events, shared theme tokens.
import { kimiManifestPlugin } from './scripts/manifest-plugin.mjs';

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/react/**'],
  outdir: '.',
  litelement: true,
  dependencies: false,
  packagejson: false, // package.json names custom-elements.json itself; the check run must not rewrite it
  plugins: [kimiManifestPlugin()],
};
