// Opens the demo exactly as `npm start` serves it (script-tag bundle only, simulator behind /ws), in
// Debian's Chromium, waits for live data, checks that every element shows real values, and saves
// light and dark screenshots to test/screenshots/. Needs the build (`npm test` builds first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { stopChild, waitForOutput } from '../../scripts/child-output.mjs';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/find-browsers.mjs';

function startDemo() {
  const child = spawn(process.execPath, ['scripts/start.mjs', '--no-build'], {
    // No scheduled session changes: the session the live panel follows stays put while it is checked.
    env: { ...process.env, PORT: '0', SIM_PORT: '0', SIM_CONTROL_PORT: '0', RATE: '150', SWITCH_EVERY: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return waitForOutput(child, /Demo dashboard:\s+(\S+)/, { ms: 60_000, what: 'npm start' }).then(
    (m) => ({ child, url: m[1] }),
    async (error) => {
      await stopChild(child);
      throw error;
    },
  );
}

test('the demo dashboard: the panel that follows the active session shows live values in every element, in light and dark', { timeout: 120_000 }, async () => {
  const { child, url } = await startDemo();
  const browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
  try {
    mkdirSync('test/screenshots', { recursive: true });
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setViewport({ width: 1400, height: 1000 });
    for (const scheme of ['light', 'dark']) {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      await page.goto(url, { waitUntil: 'load' });
      // The live panel follows the active session (auto-created at the first request) and every element
      // shows real values; the pinned panel is connected too and receives only frames it filters out.
      await page.waitForFunction(
        () => {
          const panels = [...document.querySelectorAll('kimi-realtime')];
          const shadowText = (el) => el?.shadowRoot?.textContent ?? '';
          return (
            panels.length === 2 &&
            panels.every((p) => p.state === 'open') &&
            [panels[0]].every(
              (p) =>
                /\d+\.\d %/.test(shadowText(p.querySelector('kimi-context-gauge'))) &&
                (p.querySelector('kimi-metric-chart')?.points?.length ?? 0) >= 5 &&
                (p.querySelector('kimi-alert-feed')?.shadowRoot?.querySelectorAll('[part~="item"]').length ?? 0) >= 1 &&
                /connected/i.test(shadowText(p.querySelector('kimi-connection-status'))) &&
                // The counters are read once a second: wait until they show traffic.
                /Received\s*[1-9]/.test(shadowText(p.querySelector('kimi-connection-status:not([compact])'))),
            )
          );
        },
        { timeout: 60_000, polling: 250 },
      );
      const summary = await page.evaluate(() =>
        [...document.querySelectorAll('kimi-realtime')].map((p) => ({
          session: p.activeSessionId,
          gauge: p.querySelector('kimi-context-gauge').shadowRoot.querySelector('[part="value"]').textContent.trim(),
          points: p.querySelector('kimi-metric-chart').points.length,
          alerts: p.querySelector('kimi-alert-feed').shadowRoot.querySelectorAll('[part~="item"]').length,
          delivered: p.stats.delivered,
          filtered: p.stats.filtered,
        })),
      );
      assert.deepEqual(
        summary.map((s) => s.session),
        ['3', '2'],
        'live: the auto-created session 3; pinned: session 2',
      );
      assert.ok(summary[0].delivered > 0, JSON.stringify(summary[0]));
      assert.ok(summary[1].filtered > 0, `the pinned panel filters the active session's frames: ${JSON.stringify(summary[1])}`);
      await page.waitForFunction(
        () =>
          /^Active: Session 3 · Session Kimi Code \d\d:\d\d:\d\d$/.test(document.getElementById('title-live').textContent) &&
          document.getElementById('title-pinned').textContent === 'Session 2 · Migration Lit (not active)',
        { timeout: 10_000 },
      );
      await page.screenshot({ path: `test/screenshots/demo-${scheme}.png`, fullPage: true });
      console.log(`demo (${scheme}): ${JSON.stringify(summary)}`);
    }
    // Light scheme again for the states of issue #9: the pinned panel hydrated over HTTP, both panels stale
    // during a restart, then the pinned session deleted on the server.
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    const pinnedShows = () =>
      page.evaluate(() => {
        const p = document.getElementById('pinned');
        const root = (sel) => p.querySelector(sel).shadowRoot;
        return {
          hydrated: p.hydration?.found ?? null,
          gauge: root('kimi-context-gauge').querySelector('[part="value"]').textContent.trim(),
          points: p.querySelector('kimi-metric-chart').points.length,
          notices: [...p.querySelectorAll('kimi-context-gauge, kimi-metric-chart, kimi-alert-feed')].map(
            (el) => el.shadowRoot.querySelector('[part="notice"]')?.textContent.trim() ?? '',
          ),
        };
      });
    await page.waitForFunction(
      () => {
        const p = document.getElementById('pinned');
        return p.hydration?.found === true && p.querySelector('kimi-metric-chart').points.length > 0;
      },
      { timeout: 20_000 },
    );
    const hydrated = await pinnedShows();
    assert.match(hydrated.gauge, /^\d+\.\d %$/, `the inactive session's history is shown: ${JSON.stringify(hydrated)}`);
    await page.screenshot({ path: 'test/screenshots/demo-hydrated-light.png', fullPage: true });
    await page.click('#restart');
    await page.waitForFunction(
      () => [...document.querySelectorAll('kimi-context-gauge')].every((g) => g.matches(':state(stale)') && g.shadowRoot.querySelector('[part="notice"]')),
      { timeout: 10_000 },
    );
    const stale = await pinnedShows();
    assert.ok(
      stale.notices.every((n) => /^Data as of \d\d:\d\d:\d\d( [AP]M)?, not connected$/.test(n)),
      JSON.stringify(stale),
    );
    await page.screenshot({ path: 'test/screenshots/demo-stale-light.png', fullPage: true });
    await page.waitForFunction(() => [...document.querySelectorAll('kimi-realtime')].every((p) => p.state === 'open'), { timeout: 20_000 });
    await page.click('#delete');
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('#pinned kimi-context-gauge, #pinned kimi-alert-feed')].every((el) =>
          /deleted/.test(el.shadowRoot.querySelector('[part="notice"]')?.textContent ?? ''),
        ),
      { timeout: 10_000 },
    );
    const deleted = await pinnedShows();
    assert.ok(
      deleted.notices.every((n) => n === 'Session 2 was deleted on the server'),
      JSON.stringify(deleted),
    );
    await page.screenshot({ path: 'test/screenshots/demo-deleted-light.png', fullPage: true });
    console.log(`demo states: ${JSON.stringify({ hydrated, stale, deleted })}`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await stopChild(child);
  }
});
