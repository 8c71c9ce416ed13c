// `npm test` in relay/: build (wrangler's dry-run bundle + the Node CLI), type-check, then the tests
// on workerd through Miniflare, one file at a time (each starts its own runtime).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildRelay } from './build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const step = (name, command, args) => {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, RELAY_NO_BUILD: '1' } });
  if (result.status !== 0) {
    console.error(`relay: ${name} failed`);
    process.exit(result.status ?? 1);
  }
  console.log(`relay: ${name} ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
};

await buildRelay();
step('typecheck', process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.']);
step('typecheck (node)', process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.node.json']);
step('tests', process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=dot', 'test/']);
