// `npm run analyze`: writes custom-elements.json from the JSDoc of src/. The analyzer lists modules in
// the order its file globbing happens to finish, which varies run to run; sorting them by path makes
// the file reproducible, so `npm test` can compare it byte for byte (scripts/check-manifest.mjs).
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs the analyzer into `dir` (relative to the project: the analyzer resolves it so) and returns the sorted manifest text. */
export function generateManifest(dir = join('node_modules', '.cache', 'cem')) {
  mkdirSync(dir, { recursive: true });
  execSync(`npx custom-elements-manifest analyze --outdir ${dir}`, { stdio: 'pipe' });
  const manifest = JSON.parse(readFileSync(join(dir, 'custom-elements.json'), 'utf8'));
  manifest.modules.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync('custom-elements.json', generateManifest());
  console.log('wrote custom-elements.json');
}
