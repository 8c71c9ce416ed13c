// The browser check of `npm test`: <kimi-realtime> from the built bundle (dist/), pointed at a kimi-tap
// in front of the fake provider, shows readings in Debian's Chromium (puppeteer-core). Requests made
// through the tap must reach the page as `kimi:metric` events and the gauge must show a percentage.
// Needs `npm run build` first (the `build` step of npm test does it).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/find-browsers.mjs';
import { startStaticServer } from '../../scripts/static-server.mjs';
import { startPair, chatBody } from './helpers.mjs';

const root = new URL('../../', import.meta.url).pathname;
if (!existsSync(`${root}dist/cdn/kimi-realtime.iife.js`)) {
  console.error('tap browser check: dist/ is not built (run npm run build first)');
  process.exit(1);
}

const PAGE = (ws) => `<!doctype html><html><head><meta charset="utf-8"><script src="/dist/cdn/kimi-realtime.iife.js"></script></head><body>
<kimi-realtime id="src" url="${ws}"><kimi-context-gauge></kimi-context-gauge><kimi-connection-status></kimi-connection-status></kimi-realtime>
<script>window.readings = []; document.getElementById('src').addEventListener('kimi:metric', (e) => window.readings.push(e.detail));</script>
</body></html>`;

const post = (url, body) =>
  new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-browser-check' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });

const pair = await startPair();
let html = '';
const site = await startStaticServer({
  root,
  allow: ['dist'],
  routes: {
    '/tap-check.html': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    },
  },
});
html = PAGE(`${pair.tap.url.replace('http', 'ws')}/ws`);
const browser = await puppeteer.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true });
let failed = false;
try {
  const page = await browser.newPage();
  await page.goto(`${site.url}/tap-check.html`);
  // A first request opens a session; the element is connected before it, and gets it live.
  await page.waitForFunction(() => document.querySelector('kimi-realtime')?.shadowRoot !== undefined, { timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await post(`${pair.tap.url}/v1/chat/completions`, chatBody({ stream: true, stream_options: { include_usage: true } })), 200);
  assert.equal(await post(`${pair.tap.url}/v1/chat/completions`, chatBody({ messages: [{ role: 'user', content: 'word '.repeat(40_000) }] })), 200);
  await page.waitForFunction(() => window.readings.length >= 2, { timeout: 15_000 });
  const readings = await page.evaluate(() => window.readings.map((r) => JSON.parse(JSON.stringify(r))));
  const last = readings.at(-1);
  assert.ok(JSON.stringify(last).includes('128000'), `the reading carries the model's window: ${JSON.stringify(last).slice(0, 400)}`);
  const gauge = await page.waitForFunction(
    () => {
      const g = document.querySelector('kimi-context-gauge');
      const text = g?.shadowRoot?.textContent ?? '';
      return /\d+(\.\d+)?\s*%/.test(text) ? text.replace(/\s+/g, ' ').trim() : false;
    },
    { timeout: 10_000 },
  );
  console.log(`tap browser check: ${readings.length} readings in Chromium; gauge shows "${(await gauge.jsonValue()).slice(0, 120)}"`);
} catch (e) {
  failed = true;
  console.error(`tap browser check failed: ${/** @type {Error} */ (e).stack}`);
} finally {
  await browser.close();
  await site.close();
  await pair.stop();
}
process.exit(failed ? 1 : 0);
