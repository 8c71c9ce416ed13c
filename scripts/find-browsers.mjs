// Finds the browsers the tests run in: Chromium, Firefox and WebKit, always Debian's packages, never a
// downloaded browser. When one is missing and we run as root on a machine with apt, it installs Debian's
// package(s); otherwise it stops with a message that says exactly what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/** Debian's multiarch library folders (`/usr/lib/x86_64-linux-gnu`…), where WebKitGTK keeps MiniBrowser. */
function multiarchDirs() {
  try {
    return readdirSync('/usr/lib')
      .filter((name) => /-linux-gnu/.test(name))
      .map((name) => `/usr/lib/${name}`);
  } catch {
    return [];
  }
}

const miniBrowsers = () => [
  ...multiarchDirs().flatMap((dir) => [`${dir}/webkit2gtk-4.1/MiniBrowser`, `${dir}/webkit2gtk-4.0/MiniBrowser`]),
  '/usr/libexec/webkit2gtk-4.1/MiniBrowser',
  '/usr/libexec/webkit2gtk-4.0/MiniBrowser',
];

/**
 * Each browser: the binaries it needs (each found through an environment variable or the first existing
 * candidate) and the Debian packages that provide them.
 */
export const BROWSERS = {
  chromium: {
    label: 'Chromium',
    packages: ['chromium'],
    parts: {
      browser: {
        env: ['CHROME_PATH', 'CHROMIUM_PATH'],
        candidates: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'],
      },
    },
  },
  firefox: {
    label: 'Firefox',
    packages: ['firefox-esr'],
    parts: {
      browser: {
        env: ['FIREFOX_PATH'],
        candidates: ['/usr/lib/firefox-esr/firefox-esr', '/usr/bin/firefox-esr', '/usr/lib/firefox/firefox', '/usr/bin/firefox'],
      },
    },
  },
  webkit: {
    label: 'WebKit',
    // MiniBrowser comes with libwebkit2gtk-4.1-0, which webkit2gtk-driver depends on. MiniBrowser has no
    // headless mode, so it runs on an Xvfb display.
    packages: ['webkit2gtk-driver', 'xvfb', 'xauth'],
    parts: {
      driver: { env: ['WEBKIT_WEBDRIVER_PATH'], candidates: ['/usr/bin/WebKitWebDriver'] },
      browser: { env: ['MINIBROWSER_PATH'], candidates: miniBrowsers() },
      xvfb: { env: ['XVFB_PATH'], candidates: ['/usr/bin/Xvfb'] },
    },
  },
};

export const ALL_BROWSERS = Object.keys(BROWSERS);

export const CHROMIUM_ARGS = [
  '--no-sandbox', // sessions and CI run as root
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** The browsers named in `BROWSERS` (comma-separated), or all of them. Unknown names are an error. */
export function selectedBrowsers(value = process.env.BROWSERS) {
  if (!value || !value.trim()) return [...ALL_BROWSERS];
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => !Object.hasOwn(BROWSERS, n));
  if (unknown.length) throw new Error(`BROWSERS: unknown browser(s) ${unknown.join(', ')}; known: ${ALL_BROWSERS.join(', ')}`);
  return [...new Set(names)];
}

function lookupPart({ env, candidates }, exists) {
  for (const name of env) {
    const value = process.env[name];
    if (value && exists(value)) return value;
  }
  return candidates.find((path) => exists(path)) ?? null;
}

/** `{ part: path }` for one browser, with `null` for each part not found. */
function lookup(name, exists) {
  return Object.fromEntries(Object.entries(BROWSERS[name].parts).map(([part, spec]) => [part, lookupPart(spec, exists)]));
}

const complete = (paths) => Object.values(paths).every(Boolean);

/** The message for browsers that are missing: the exact packages to install, and the alternatives. */
export function installAdvice(missing) {
  const packages = missing.flatMap((name) => BROWSERS[name].packages);
  const envs = missing.flatMap((name) => Object.values(BROWSERS[name].parts).map((p) => p.env[0]));
  const others = ALL_BROWSERS.filter((name) => !missing.includes(name));
  return [
    `Browsers for the tests not found, and they could not be installed automatically: ${missing.map((name) => BROWSERS[name].label).join(', ')}.`,
    `Install Debian's packages:   sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`,
    `or point ${envs.join(' / ')} at existing binaries${others.length ? `, or test in fewer browsers: BROWSERS=${others.join(',')} npm test` : ''}.`,
  ].join('\n');
}

const defaults = () => ({
  exists: existsSync,
  isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  hasApt: spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0,
  install: (packages) =>
    execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages.join(' ')}`], { stdio: 'inherit' }),
});

/**
 * Paths of the binaries of each named browser, e.g. `{ chromium: { browser }, webkit: { driver, browser, xvfb } }`.
 * Installs Debian's packages for the missing ones (one apt-get run) when running as root with apt; otherwise,
 * or if that did not help, throws an Error whose message says exactly what to install. Options exist for tests.
 */
export function locateBrowsers(names = ALL_BROWSERS, options = {}) {
  const { exists, isRoot, hasApt, install } = { ...defaults(), ...options };
  let found = Object.fromEntries(names.map((name) => [name, lookup(name, exists)]));
  let missing = names.filter((name) => !complete(found[name]));
  if (missing.length && isRoot && hasApt) {
    const packages = missing.flatMap((name) => BROWSERS[name].packages);
    console.log(`Not found: ${missing.map((name) => BROWSERS[name].label).join(', ')}. Installing Debian's packages: apt-get install -y ${packages.join(' ')}`);
    install(packages);
    found = Object.fromEntries(names.map((name) => [name, lookup(name, exists)]));
    missing = names.filter((name) => !complete(found[name]));
  }
  if (missing.length) throw new Error(installAdvice(missing));
  return found;
}

/** A browser's name and version as its package reports it, e.g. "Mozilla Firefox 153.8.0esr", for reports. */
export function browserVersion(name, paths) {
  const run = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout?.trim().split('\n')[0] ?? '';
  if (name === 'webkit') {
    // MiniBrowser has no --version; the package of the library it belongs to says it.
    const pkg = run('dpkg-query', ['-S', paths.browser]).split(':')[0];
    const version = pkg ? run('dpkg-query', ['-W', '-f', '${Version}', pkg]) : '';
    return version ? `WebKitGTK ${version} (MiniBrowser)` : 'WebKitGTK (MiniBrowser)';
  }
  return run(paths.browser, ['--version']).replace(/ built on .*/, '') || BROWSERS[name].label;
}

/** `locateBrowsers()` for scripts: prints the advice and exits when a browser is missing. */
export function findBrowsers(names = selectedBrowsers()) {
  try {
    return locateBrowsers(names);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

/** Path of the Chromium binary (benchmarks and the demo test drive Chromium only). */
export function findChromium() {
  return findBrowsers(['chromium']).chromium.browser;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const names = process.argv.length > 2 ? selectedBrowsers(process.argv.slice(2).join(',')) : selectedBrowsers();
  for (const [name, paths] of Object.entries(findBrowsers(names))) console.log(`${browserVersion(name, paths)}: ${Object.values(paths).join(' ')}`);
}
