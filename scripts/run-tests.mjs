// `npm test`: every check a clean machine must pass, in order, stopping at the first failure.
// Ends with one summary line "checks: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { findChromium } from './find-chromium.mjs';

const only = process.argv.slice(2);
const steps = [
  ['chromium', () => { console.log(`Chromium: ${findChromium()}`); return 0; }],
  ['typecheck', 'npx tsc -p . --noEmit && npx tsc -p test/types'],
  ['build', 'npm run --silent build'],
  ['package types', 'npx tsc -p test/types/tsconfig.package.json'],
  ['jsx types', 'npx tsc -p test/types/jsx'],
  ['manifest', 'node scripts/check-manifest.mjs'],
  ['package lint', 'npx publint --strict && npx attw --pack . --profile esm-only --format ascii'],
  ['size', 'node scripts/size.mjs --check'],
  ['node tests', 'node --test test/node/'],
  ['browser tests', 'npx web-test-runner'],
  ['benchmark smoke', 'node bench/run.mjs --smoke'],
  // The relay (relay/, its own package and lockfile): installed on first use, tested on workerd.
  ['relay', 'node relay/scripts/ensure-deps.mjs && npm test --prefix relay'],
  ['relay browser tests', 'npx web-test-runner --config relay/test/browser/web-test-runner.config.mjs'],
];

let passed = 0;
let failed = 0;
for (const [name, command] of steps) {
  if (only.length && !only.includes(name)) continue;
  const started = Date.now();
  console.log(`\n── ${name} ──`);
  const status = typeof command === 'function' ? command() : spawnSync(command, { shell: true, stdio: 'inherit' }).status;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (status === 0) {
    passed++;
    console.log(`✔ ${name} (${seconds} s)`);
  } else {
    failed++;
    console.log(`✘ ${name} failed (exit ${status}, ${seconds} s)`);
    break;
  }
}
console.log(`\nchecks: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
