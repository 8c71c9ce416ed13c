// Chart renderer benchmark: our canvas line renderer vs uPlot on the same 300-point sliding window,
// one update per animation frame (60 updates/s), in headless Chromium. Prints ms per update
// (median, p95), timed around the update call alone ("draw") and with a 1-pixel readback that forces
// the canvas to rasterize ("draw + raster"). Variants alternate round by round.
//
//   node bench/chart/run.mjs [--updates 600] [--rounds 3] [--dpr 1] [--json] [--screenshot file.png]
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import * as esbuild from 'esbuild';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/find-browsers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const UPDATES = arg('updates', 600);
const ROUNDS = arg('rounds', 3);
const DPR = arg('dpr', 1);

const bundle = await esbuild.build({
  entryPoints: [join(here, 'page.ts')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  write: false,
  tsconfig: join(root, 'tsconfig.json'),
  logLevel: 'warning',
});
const uplotVersion = JSON.parse(await readFile(join(root, 'node_modules/uplot/package.json'), 'utf8')).version;
const files = {
  '/': ['text/html; charset=utf-8', await readFile(join(here, 'index.html'))],
  '/page.js': ['text/javascript; charset=utf-8', bundle.outputFiles[0].contents],
  '/uPlot.min.css': ['text/css; charset=utf-8', await readFile(join(root, 'node_modules/uplot/dist/uPlot.min.css'))],
};
const server = createServer((req, res) => {
  const file = files[new URL(req.url, 'http://x').pathname];
  if (!file) return res.writeHead(404).end();
  // Cross-origin isolation gives performance.now() 5 µs resolution instead of 100 µs.
  res
    .writeHead(200, {
      'Content-Type': file[0],
      'Cache-Control': 'no-store',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    })
    .end(file[1]);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const collected = new Map();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const flush of [false, true]) {
      for (const variant of round % 2 ? ['uplot', 'ours'] : ['ours', 'uplot']) {
        // A fresh page per run: no garbage or caches carried from the other variant.
        const page = await browser.newPage();
        page.on('pageerror', (e) => console.error('page error:', e.message));
        await page.setViewport({ width: 800, height: 400, deviceScaleFactor: DPR });
        await page.goto(url);
        await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
        if (round === 0 && !(await page.evaluate(() => crossOriginIsolated))) console.warn('not cross-origin isolated: timer resolution is coarse');
        const result = await page.evaluate((task) => window.runChartBench(task), { variant, updates: UPDATES, flush });
        await page.close();
        const key = `${variant}|${flush}`;
        const entry = collected.get(key) ?? { variant, flush, samples: [], rates: [] };
        entry.samples.push(...result.samples);
        entry.rates.push(result.rate);
        collected.set(key, entry);
      }
    }
  }
  const shot = process.argv.indexOf('--screenshot');
  if (shot > 0) {
    // Both renderers on one page after the same updates, to check they draw comparable charts.
    const page = await browser.newPage();
    await page.setViewport({ width: 640, height: 560, deviceScaleFactor: DPR });
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    for (const variant of ['ours', 'uplot']) await page.evaluate((task) => window.runChartBench(task), { variant, updates: 30, flush: false, keep: true });
    await page.screenshot({ path: process.argv[shot + 1] });
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}

const rows = [...collected.values()].map(({ variant, flush, samples, rates }) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    renderer: variant === 'ours' ? 'ours (line-renderer.ts)' : `uPlot ${uplotVersion}`,
    timed: flush ? 'draw + raster' : 'draw',
    updates: samples.length,
    'updates/s': +(rates.reduce((a, b) => a + b, 0) / rates.length).toFixed(1),
    'median ms': +percentile(sorted, 50).toFixed(3),
    'p95 ms': +percentile(sorted, 95).toFixed(3),
    'max ms': +sorted[sorted.length - 1].toFixed(3),
  };
});

if (process.argv.includes('--json')) console.log(JSON.stringify({ window: 300, width: 600, height: 220, dpr: DPR, rows }, null, 2));
else {
  console.log(`300-point sliding window, 600×220 CSS px at dpr ${DPR}, one update per frame, ${ROUNDS} rounds × ${UPDATES} updates per variant`);
  console.table(rows);
}
