// An app under test/apps/ with its own package.json and lockfile (Angular: its CLI and compiler are
// not dependencies of kimi-realtime) installs them here with `npm ci`, once: later runs find the
// installed tree equal to the lockfile and skip it, as relay/scripts/ensure-deps.mjs does for the relay.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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

/** Runs `npm ci` in `dir` unless its node_modules already matches its lockfile; returns whether it installed. */
export function ensureDeps(dir) {
  if (installedMatchesLock(dir)) return false;
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm ci in ${dir} failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  return true;
}
