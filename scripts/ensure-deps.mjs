// A folder of this repository with its own package.json and lockfile (relay/, tap/, the apps under
// test/apps/) installs its dependencies with `npm ci` when they are missing or differ from its lockfile,
// so the top-level `npm test` works from a fresh clone and stays fast when nothing changed.
// `node scripts/ensure-deps.mjs <folder>` from the command line; `ensureDeps(dir)` from a script.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function installedMatchesLock(dir) {
  const hidden = join(dir, 'node_modules/.package-lock.json');
  if (!existsSync(hidden)) return false;
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')).packages;
  const installed = JSON.parse(readFileSync(hidden, 'utf8')).packages;
  for (const [path, entry] of Object.entries(lock)) {
    if (path === '' || (entry.optional && !installed[path])) continue;
    if (installed[path]?.version !== entry.version) return false;
  }
  return true;
}

/**
 * Runs `npm ci` in `dir` unless its node_modules already matches its lockfile; returns whether it
 * installed. `inherit` shows npm's output; otherwise it is kept and thrown with a failure.
 */
export function ensureDeps(dir, { inherit = false } = {}) {
  if (installedMatchesLock(dir)) return false;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', ...(inherit ? [] : ['--loglevel=error'])], {
    cwd: dir,
    encoding: 'utf8',
    stdio: inherit ? 'inherit' : 'pipe',
  });
  if (result.status !== 0) throw new Error(`npm ci in ${dir} failed (${result.status ?? result.signal}):\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const folder = process.argv[2];
  if (!folder) {
    console.error('usage: node scripts/ensure-deps.mjs <folder>');
    process.exit(2);
  }
  const dir = resolve(folder);
  if (!installedMatchesLock(dir)) console.log(`${folder}: installing its dependencies (npm ci in ${folder})`);
  try {
    ensureDeps(dir, { inherit: true });
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
