// Analyzer settings; `npm run analyze` (scripts/analyze.mjs) writes custom-elements.json, `npm test` checks it is current.
export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts'],
  outdir: '.',
  litelement: true,
  dependencies: false,
  packagejson: false, // package.json names custom-elements.json itself; the check run must not rewrite it
};
