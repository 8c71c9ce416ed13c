// Generates custom-elements.json from the JSDoc of src/ (`npm run analyze`); `npm test` checks it is current.
export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts'],
  outdir: '.',
  litelement: true,
  dependencies: false,
  packagejson: false, // package.json names custom-elements.json itself; the check run must not rewrite it
};
