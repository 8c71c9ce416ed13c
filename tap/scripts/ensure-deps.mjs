// Installs tap/'s own dependencies (`npm ci`) when they are missing or differ from its lockfile,
// so the top-level `npm test` works from a fresh clone and stays fast when nothing changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function installedMatchesLock() {
  const hidden = `${root}/node_modules/.package-lock.json`;
  if (!existsSync(hidden)) return false;
  const lock = JSON.parse(readFileSync(`${root}/package-lock.json`, 'utf8')).packages;
  const installed = JSON.parse(readFileSync(hidden, 'utf8')).packages;
  for (const [path, entry] of Object.entries(lock)) {
    if (path === '' || (entry.optional && !installed[path])) continue;
    if (installed[path]?.version !== entry.version) return false;
  }
  return true;
}

if (!installedMatchesLock()) {
  console.log('tap: installing its dependencies (npm ci in tap/)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
