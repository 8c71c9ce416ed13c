// `npm test`: every check a clean machine must pass, in order, stopping at the first failure.
// The browser suite runs in Chromium, Firefox and WebKit, one browser after the other so they do not
// share the cores (`BROWSERS=firefox,webkit npm test` picks some); every browser runs even when one
// fails, and each gets a line. Ends with one summary line "checks: N passed, N failed".
// `node scripts/run-tests.mjs <step>…` runs only the named steps.
import { spawnSync } from 'node:child_process';
import { BROWSERS, browserVersion, locateBrowsers, selectedBrowsers } from './find-browsers.mjs';

const browsers = selectedBrowsers();
const only = process.argv.slice(2);
const steps = [
  [
    'browsers',
    () => {
      try {
        for (const [name, paths] of Object.entries(locateBrowsers(browsers))) console.log(`${browserVersion(name, paths)}: ${Object.values(paths).join(' ')}`);
        return 0;
      } catch (error) {
        console.error(error.message);
        return 1;
      }
    },
  ],
  ['lint', 'npx eslint . && npx prettier --check .'],
  ['typecheck', 'npm run --silent typecheck'],
  ['build', 'npm run --silent build'],
  ['package types', 'npx tsc -p test/types/tsconfig.package.json'],
  ['jsx types', 'npx tsc -p test/types/jsx'],
  ['manifest', 'node scripts/check-manifest.mjs'],
  ['package lint', 'npx publint --strict && npx attw --pack . --profile esm-only --format ascii'],
  ['size', 'node scripts/size.mjs --check'],
  ['node tests', 'node --test test/node/'],
  ['browser tests', browserTests],
  ['benchmark smoke', 'node bench/run.mjs --smoke'],
  // The relay (relay/, its own package and lockfile): installed on first use, tested on workerd.
  ['relay', 'node relay/scripts/ensure-deps.mjs && npm test --prefix relay'],
  ['relay browser tests', 'npx web-test-runner --config relay/test/browser/web-test-runner.config.mjs'],
];

/** The suite in each browser in turn; fails if it failed in any. */
function browserTests() {
  const lines = [];
  for (const name of browsers) {
    const { label } = BROWSERS[name];
    console.log(`\n· ${label}`);
    const started = Date.now();
    const { status } = spawnSync('npx web-test-runner', { shell: true, stdio: 'inherit', env: { ...process.env, BROWSERS: name } });
    lines.push(`${status === 0 ? '✔' : '✘'} browser tests in ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  console.log(`\n${lines.join('\n')}`);
  return lines.every((line) => line.startsWith('✔')) ? 0 : 1;
}

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
