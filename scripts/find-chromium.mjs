// Finds a Chromium/Chrome binary for tests, demo screenshots and benchmarks. Never downloads one:
// on Debian, as root, it installs Debian's `chromium` package; otherwise it says what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'];

export const CHROMIUM_ARGS = [
  '--no-sandbox', // sessions and CI run as root
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const INSTALL_ADVICE = [
  'No Chromium or Chrome was found, and it could not be installed automatically.',
  "Install Debian's Chromium:   sudo apt-get update && sudo apt-get install -y chromium",
  'or point CHROME_PATH at an existing Chrome/Chromium binary:   CHROME_PATH=/path/to/chrome npm test',
].join('\n');

function lookup(candidates) {
  const fromEnv = process.env.CHROME_PATH || process.env.CHROMIUM_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return candidates.find((path) => existsSync(path)) ?? null;
}

const defaults = () => ({
  candidates: CANDIDATES,
  isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  hasApt: spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0,
  install: () => execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'inherit' }),
});

/**
 * Path of a Chromium binary; installs Debian's package when running as root with apt; otherwise throws
 * an Error whose message says exactly what to install. The options exist for tests.
 */
export function locateChromium(options = {}) {
  const { candidates, isRoot, hasApt, install } = { ...defaults(), ...options };
  const found = lookup(candidates);
  if (found) return found;
  if (isRoot && hasApt) {
    console.log('No Chromium found: installing Debian\'s "chromium" package (apt-get install -y chromium)…');
    install();
    const installed = lookup(candidates);
    if (installed) return installed;
  }
  throw new Error(INSTALL_ADVICE);
}

/** `locateChromium()` for scripts: prints the advice and exits when there is no browser. */
export function findChromium() {
  try {
    return locateChromium();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(findChromium());
