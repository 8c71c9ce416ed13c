// The test command's browser lookup: found, installed with apt as root, or a message that says exactly
// what to install. A fake file system (`exists`) stands in for the machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_BROWSERS, BROWSERS, installAdvice, locateBrowsers, selectedBrowsers } from '../../scripts/find-browsers.mjs';

const ENV = ['CHROME_PATH', 'CHROMIUM_PATH', 'FIREFOX_PATH', 'WEBKIT_WEBDRIVER_PATH', 'MINIBROWSER_PATH', 'XVFB_PATH'];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
test.beforeEach(() => {
  for (const k of ENV) delete process.env[k];
});
test.after(() => {
  for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
});

/** Every candidate path of the named browsers. */
const pathsOf = (...names) => names.flatMap((n) => Object.values(BROWSERS[n].parts).flatMap((p) => p.candidates));
const fs = (paths) => {
  const set = new Set(paths);
  return (path) => set.has(path);
};
const noInstall = () => assert.fail('nothing should be installed');
/** MiniBrowser's first candidate (under this machine's multiarch folder, or /usr/libexec). */
const MINI = BROWSERS.webkit.parts.browser.candidates[0];

test('finds every binary of each browser: the first existing candidate', () => {
  const found = locateBrowsers(ALL_BROWSERS, {
    exists: fs(['/usr/bin/chromium', '/usr/bin/google-chrome', '/usr/bin/firefox-esr', '/usr/bin/WebKitWebDriver', MINI, '/usr/bin/Xvfb']),
    install: noInstall,
  });
  assert.deepEqual(found, {
    chromium: { browser: '/usr/bin/chromium' },
    firefox: { browser: '/usr/bin/firefox-esr' },
    webkit: { driver: '/usr/bin/WebKitWebDriver', browser: MINI, xvfb: '/usr/bin/Xvfb' },
  });
});

test('an environment variable wins over the candidates', () => {
  process.env.CHROME_PATH = '/opt/chrome/chrome';
  process.env.FIREFOX_PATH = '/opt/firefox/firefox';
  const found = locateBrowsers(['chromium', 'firefox'], {
    exists: fs(['/opt/chrome/chrome', '/opt/firefox/firefox', ...pathsOf('chromium', 'firefox')]),
    install: noInstall,
  });
  assert.deepEqual(found, { chromium: { browser: '/opt/chrome/chrome' }, firefox: { browser: '/opt/firefox/firefox' } });
});

test('an environment variable naming a missing file is ignored', () => {
  process.env.FIREFOX_PATH = '/nonexistent/firefox';
  assert.deepEqual(locateBrowsers(['firefox'], { exists: fs(['/usr/bin/firefox-esr']), install: noInstall }), { firefox: { browser: '/usr/bin/firefox-esr' } });
});

test('only the browsers asked for are looked up', () => {
  assert.deepEqual(locateBrowsers(['firefox'], { exists: fs(['/usr/bin/firefox-esr']), install: noInstall }), { firefox: { browser: '/usr/bin/firefox-esr' } });
});

test("as root with apt: installs Debian's packages for the missing browsers in one apt-get run, then uses them", () => {
  const present = new Set(['/usr/bin/chromium']);
  const installs = [];
  const found = locateBrowsers(ALL_BROWSERS, {
    exists: (p) => present.has(p),
    isRoot: true,
    hasApt: true,
    install: (packages) => {
      installs.push(packages);
      for (const p of ['/usr/bin/firefox-esr', '/usr/bin/WebKitWebDriver', MINI, '/usr/bin/Xvfb']) present.add(p);
    },
  });
  assert.deepEqual(installs, [['firefox-esr', 'webkit2gtk-driver', 'xvfb', 'xauth']]);
  assert.equal(found.firefox.browser, '/usr/bin/firefox-esr');
  assert.equal(found.webkit.xvfb, '/usr/bin/Xvfb');
});

test('WebKit with one part missing (no Xvfb) counts as missing', () => {
  const installs = [];
  assert.throws(
    () => locateBrowsers(['webkit'], { exists: fs(['/usr/bin/WebKitWebDriver', MINI]), isRoot: true, hasApt: true, install: (p) => installs.push(p) }),
    (e) => e.message === installAdvice(['webkit']),
  );
  assert.deepEqual(installs, [['webkit2gtk-driver', 'xvfb', 'xauth']], 'tried to install, then said what is missing');
});

test('without root or apt: stops with a message that says exactly what to install', () => {
  for (const [isRoot, hasApt] of [
    [false, true],
    [true, false],
  ]) {
    assert.throws(
      () => locateBrowsers(ALL_BROWSERS, { exists: fs(['/usr/bin/chromium']), isRoot, hasApt, install: noInstall }),
      (e) =>
        e.message === installAdvice(['firefox', 'webkit']) &&
        e.message.includes('sudo apt-get update && sudo apt-get install -y firefox-esr webkit2gtk-driver xvfb xauth') &&
        e.message.includes('Firefox, WebKit') &&
        e.message.includes('FIREFOX_PATH') &&
        e.message.includes('BROWSERS=chromium npm test') &&
        !e.message.includes(' chromium '),
    );
  }
});

test('the advice for Chromium alone names its package', () => {
  assert.match(installAdvice(['chromium']), /apt-get install -y chromium$/m);
  assert.match(installAdvice(['chromium']), /CHROME_PATH/);
});

test('BROWSERS picks browsers; unknown names are an error', () => {
  assert.deepEqual(selectedBrowsers(undefined), ['chromium', 'firefox', 'webkit']);
  assert.deepEqual(selectedBrowsers(''), ['chromium', 'firefox', 'webkit']);
  assert.deepEqual(selectedBrowsers(' WebKit, firefox,webkit'), ['webkit', 'firefox']);
  assert.throws(() => selectedBrowsers('chromium,safari'), /unknown browser\(s\) safari/);
});
