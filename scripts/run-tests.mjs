// `npm test`: every check a clean machine must pass, in order, stopping at the first failure.
// The browser suite runs in Chromium, Firefox and WebKit, one browser after the other (`BROWSERS=…`
// picks some). Ends with one summary line "checks: N passed, N failed".
// `node scripts/run-tests.mjs <step>…` runs only the named steps ("browser tests" runs every browser's).
import { spawnSync } from 'node:child_process';
import { BROWSERS, browserVersion, locateBrowsers, selectedBrowsers } from './find-browsers.mjs';

const browsers = selectedBrowsers();
const only = process.argv.slice(2);
const steps = [
  ['browsers', () => {
    try {
      for (const [name, paths] of Object.entries(locateBrowsers(browsers))) console.log(`${browserVersion(name, paths)}: ${Object.values(paths).join(' ')}`);
      return 0;
    } catch (error) {
      console.error(error.message);
      return 1;
    }
  }],
  ['typecheck', 'npm run --silent typecheck'],
  ['build', 'npm run --silent build'],
  ['package types', 'npx tsc -p test/types/tsconfig.package.json'],
  ['jsx types', 'npx tsc -p test/types/jsx'],
  ['manifest', 'node scripts/check-manifest.mjs'],
  ['package lint', 'npx publint --strict && npx attw --pack . --profile esm-only --format ascii'],
  ['size', 'node scripts/size.mjs --check'],
  ['node tests', 'node --test test/node/'],
  ...browsers.map((name) => [`browser tests (${BROWSERS[name].label})`, 'npx web-test-runner', { BROWSERS: name }]),
  ['benchmark smoke', 'node bench/run.mjs --smoke'],
  // The relay (relay/, its own package and lockfile): installed on first use, tested on workerd.
  ['relay', 'node relay/scripts/ensure-deps.mjs && npm test --prefix relay'],
  ['relay browser tests', 'npx web-test-runner --config relay/test/browser/web-test-runner.config.mjs'],
];

const wanted = (name) => !only.length || only.some((o) => name === o || name.startsWith(`${o} (`));

let passed = 0;
let failed = 0;
for (const [name, command, env] of steps) {
  if (!wanted(name)) continue;
  const started = Date.now();
  console.log(`\n── ${name} ──`);
  const status = typeof command === 'function' ? command() : spawnSync(command, { shell: true, stdio: 'inherit', env: { ...process.env, ...env } }).status;
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
