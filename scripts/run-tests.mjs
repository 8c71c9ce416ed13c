// `npm test`: every check a clean machine must pass, in order, stopping at the first failure.
// The browser suite runs in Chromium, Firefox and WebKit, one browser after the other so they do not
// share the cores (`BROWSERS=firefox,webkit npm test` picks some); every browser runs even when one
// fails, and each gets a line. Ends with one summary line "checks: N passed, N failed".
// `node scripts/run-tests.mjs <step>…` runs only the named steps.
// Every step has a time limit and runs in its own process group: a step that hangs (a server that
// never says it is ready, a browser that never exits) is killed with everything it started and fails
// in minutes, and nothing a step started outlives it.
import { spawn } from 'node:child_process';
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
  ['lint', 'npx eslint . && npx prettier --check .', 5],
  // The layer rules of src/ over its import graph (STYLE.md 23): protocol/ pure, no circles, no element below the elements.
  ['layers', 'node scripts/check-layers.mjs', 2],
  ['typecheck', 'npm run --silent typecheck', 5],
  ['build', 'npm run --silent build', 5],
  ['package types', 'npx tsc -p test/types/tsconfig.package.json', 5],
  ['jsx types', 'npx tsc -p test/types/jsx', 5],
  ['manifest', 'node scripts/check-manifest.mjs', 5],
  ['package lint', 'npx publint --strict && npx attw --pack . --profile esm-only --format ascii', 5],
  ['size', 'node scripts/size.mjs --check', 5],
  // --test-force-exit: a handle a test forgot cannot keep the runner alive once every test has ended.
  ['node tests', 'node --test --test-force-exit test/node/', 20],
  ['browser tests', browserTests],
  ['benchmark smoke', 'node bench/run.mjs --smoke', 10],
  // The relay (relay/, its own package and lockfile): installed on first use, tested on workerd.
  ['relay', 'node scripts/ensure-deps.mjs relay && npm test --prefix relay', 15],
  ['relay browser tests', 'npx web-test-runner --config relay/test/browser/web-test-runner.config.mjs', 10],
  // kimi-tap (tap/, its own package and lockfile, a native SQLite addon): installed on first use.
  ['tap', 'node scripts/ensure-deps.mjs tap && npm test --prefix tap', 10],
  ['tap browser check', 'node scripts/ensure-deps.mjs tap && node tap/test/browser-check.mjs', 5],
  ['tap benchmark smoke', 'node scripts/ensure-deps.mjs tap && node bench/tap.mjs --smoke', 5],
];

/**
 * Runs `command` in a shell in its own process group; after `minutes` the whole group is killed.
 * Whatever the group still holds when the command ends (a server, a browser) is killed too.
 * Resolves to the exit status (124 after the time limit, like timeout(1)).
 */
function run(command, minutes, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: 'inherit', env, detached: true });
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is already gone
      }
    };
    running.add(killGroup);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\n✘ still running after ${minutes} min: killed (${command})`);
      killGroup();
    }, minutes * 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      killGroup();
      running.delete(killGroup);
      resolve(timedOut ? 124 : (code ?? (signal ? 128 : 1)));
    });
  });
}

/** Kill functions of the groups running now: Ctrl-C or a kill of this script takes them down too. */
const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    for (const kill of running) kill();
    process.exit(130);
  });
}

/** The suite in each browser in turn (20 min each at most); fails if it failed in any. */
async function browserTests() {
  const lines = [];
  for (const name of browsers) {
    const { label } = BROWSERS[name];
    console.log(`\n· ${label}`);
    const started = Date.now();
    const status = await run('npx web-test-runner', 20, { ...process.env, BROWSERS: name });
    lines.push(`${status === 0 ? '✔' : '✘'} browser tests in ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  console.log(`\n${lines.join('\n')}`);
  return lines.every((line) => line.startsWith('✔')) ? 0 : 1;
}

let passed = 0;
let failed = 0;
for (const [name, command, minutes] of steps) {
  if (only.length && !only.includes(name)) continue;
  const started = Date.now();
  console.log(`\n── ${name} ──`);
  const status = typeof command === 'function' ? await command() : await run(command, minutes);
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
