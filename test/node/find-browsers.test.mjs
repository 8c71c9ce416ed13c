// The test command's browser lookup: found, installed with apt as root, or a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locateChromium, INSTALL_ADVICE } from '../../scripts/find-chromium.mjs';

const saved = { CHROME_PATH: process.env.CHROME_PATH, CHROMIUM_PATH: process.env.CHROMIUM_PATH };
test.beforeEach(() => { delete process.env.CHROME_PATH; delete process.env.CHROMIUM_PATH; });
test.after(() => Object.assign(process.env, Object.fromEntries(Object.entries(saved).filter(([, v]) => v !== undefined))));

test('uses the first binary that exists', () => {
  assert.equal(locateChromium({ candidates: ['/nonexistent/chrome', process.execPath], install: () => assert.fail('no install') }), process.execPath);
});

test('CHROME_PATH wins', () => {
  process.env.CHROME_PATH = process.execPath;
  assert.equal(locateChromium({ candidates: [], install: () => assert.fail('no install') }), process.execPath);
});

test('as root with apt and no browser: installs Debian\'s package, then uses it', () => {
  let installed = false;
  const fake = '/nonexistent/chromium';
  const result = locateChromium({
    candidates: [fake],
    isRoot: true,
    hasApt: true,
    install: () => { installed = true; process.env.CHROMIUM_PATH = process.execPath; },
  });
  assert.equal(installed, true);
  assert.equal(result, process.execPath);
});

test('without root or apt: stops with a message that says exactly what to install', () => {
  for (const [isRoot, hasApt] of [[false, true], [true, false]]) {
    assert.throws(
      () => locateChromium({ candidates: ['/nonexistent/chromium'], isRoot, hasApt, install: () => assert.fail('no install') }),
      (e) => e.message === INSTALL_ADVICE && /apt-get install -y chromium/.test(e.message) && /CHROME_PATH/.test(e.message),
    );
  }
});
