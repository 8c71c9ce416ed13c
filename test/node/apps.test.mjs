// The package as an app team adopts it: `npm pack`, installed into four apps outside this repository
// (a plain page with the script-tag bundle, a Vite + TypeScript app, a React 19 app, an Angular app),
// each type-checked with strict TypeScript against the installed tarball, built, and run in Debian's
// Chromium against the simulator. Needs the build (`npm test` builds first).
//
// Installing: the tarball is unpacked into the app's node_modules; only the package's declared
// dependencies and the app's own (React) are linked beside it from this repository's node_modules,
// so an import of something the package does not declare fails as it would under pnpm. The Angular
// app's toolchain (CLI, compiler) is not in this repository's dependencies: it has its own lockfile in
// test/apps/angular/, installed there on first use (scripts/ensure-deps.mjs) and linked the same way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/find-chromium.mjs';
import { startStaticServer } from '../../scripts/static-server.mjs';
import { startHub } from '../../simulator/control.mjs';
import { stopChild, waitForOutput } from '../../scripts/child-output.mjs';
import { ensureDeps } from '../../scripts/ensure-deps.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const APPS = join(ROOT, 'test/apps');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');

let work;
let tarball;
let pkg;
let hub;
let browser;
/** Dev servers still running: stopped in `after` whatever happened, so a failed test cannot keep the process alive. */
const children = new Set();

const metric = (session, id, percentage) => ({
  type: 'metric_updated',
  metric_id: id,
  session_id: session,
  real_tokens: { total: 100, prompt: 90, completion: 10, percentage: 1 },
  cumulative_tokens: percentage * 1000,
  cumulative_percentage: percentage,
  alert: null,
  source: 'proxy',
});

/**
 * Copies test/apps/<name> to a directory outside the repository and installs the tarball into it;
 * `extraDeps` are linked from this repository's node_modules, every package of `depsFrom` (a
 * node_modules folder) too.
 */
let made = 0;
function makeApp(name, extraDeps = [], depsFrom = null) {
  const dir = join(work, `${name}-${++made}`);
  cpSync(join(APPS, name), dir, { recursive: true, filter: (src) => !/[/\\](node_modules|dist|\.angular)$/.test(src) });
  cpSync(join(APPS, 'tsconfig.base.json'), join(work, 'tsconfig.base.json'));
  const target = join(dir, 'node_modules', 'kimi-realtime');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', target, '--strip-components=1']);
  for (const dep of [...Object.keys(pkg.dependencies), ...extraDeps]) {
    const link = join(dir, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), link, 'dir');
  }
  if (depsFrom) {
    const names = readdirSync(depsFrom).flatMap((n) =>
      n.startsWith('@') ? readdirSync(join(depsFrom, n)).map((m) => `${n}/${m}`) : n.startsWith('.') ? [] : [n],
    );
    for (const dep of names) {
      const link = join(dir, 'node_modules', dep);
      if (existsSync(link)) continue;
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join(depsFrom, dep), link, 'dir');
    }
  }
  return dir;
}

function typecheck(dir) {
  try {
    execFileSync(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], { cwd: dir, stdio: 'pipe' });
  } catch (e) {
    throw new Error(`tsc failed in ${dir}:\n${e.stdout}${e.stderr}`, { cause: e });
  }
}

/** `vite build` in a child process (Vite keeps an esbuild service alive in the process that builds). */
function viteBuild(dir, vite = VITE) {
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn', '--outDir', 'dist', '--emptyOutDir'], { cwd: dir, stdio: 'pipe' });
}

/** `vite` (dev server) in `dir` on a free port; resolves to its URL and a stop function. */
async function viteDev(dir, env = {}) {
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address();
      probe.close(() => resolve(p));
    });
  });
  const child = spawn(process.execPath, [VITE, '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  try {
    await waitForOutput(child, `127.0.0.1:${port}`, { ms: 30_000, what: 'vite' });
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { url: `http://127.0.0.1:${port}/`, stop: () => stopChild(child) };
}

/** Serves `dir` and opens `path?ws=…` in Chromium; returns the page and a cleanup. */
async function open(dir, path) {
  const server = await startStaticServer({ root: dir, allow: [''] });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(`${server.url}${path}?ws=${encodeURIComponent(hub.main.url)}`, { waitUntil: 'load' });
  return {
    page,
    errors,
    close: async () => {
      await page.close();
      await server.close();
    },
  };
}

/** Waits until the page's <kimi-realtime>s are connected, pushes frames of session 1 and 2, and returns what the page recorded. */
async function exchange(page, { sockets, via }) {
  await page.waitForFunction((n) => [...document.querySelectorAll('*')].filter((el) => el.state === 'open').length >= n, { timeout: 20_000 }, sockets);
  hub.main.push([metric(1, 1, 41.5), metric(2, 2, 99), metric(1, 3, 42.5)]);
  await page.waitForFunction((expected) => expected.every((v) => window.__events.filter((e) => e.via === v).length >= 2), { timeout: 20_000 }, via);
  await new Promise((r) => setTimeout(r, 100));
  return page.evaluate(() => window.__events);
}

before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist/index.js')), 'run `npm run build` first');
  pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  work = mkdtempSync(join(tmpdir(), 'kimi-apps-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }).toString());
  tarball = join(work, packed[0].filename);
  hub = await startHub({ host: '127.0.0.1', port: 0, controlPort: 0, rate: 0 });
  browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  await Promise.all([...children].map((child) => stopChild(child)));
  await browser?.close();
  await hub?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('plain page: script-tag bundle from the tarball, page script type-checked by tsc against it', { timeout: 120_000 }, async () => {
  const dir = makeApp('plain');
  typecheck(dir); // also emits dist/main.js
  const { page, errors, close } = await open(dir, '/index.html');
  try {
    const events = await exchange(page, { sockets: 1, via: ['document'] });
    assert.deepEqual(
      events.map((e) => e.id),
      [1, 3],
      'session 1 only, in order',
    );
    const info = await page.evaluate(() => window.__info);
    for (const name of ['KimiRealtime', 'KimiContextGauge', 'define', 'parseKimiTimestamp'])
      assert.ok(info.globals.includes(name), `window.KimiRealtime.${name}`);
    assert.equal(info.parsed, Date.UTC(2026, 4, 7, 7, 5, 58));
    assert.equal(info.plainTag, true, 'KimiRealtime.define(tag) after the bundle registered');
    await page.waitForFunction(() => /42\.5/.test(document.querySelector('kimi-context-gauge')?.shadowRoot?.textContent ?? ''), { timeout: 5000 });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('Vite + TypeScript app: npm build through the bundler, strict tsc, define(tag) for a second tag', { timeout: 120_000 }, async () => {
  const dir = makeApp('vite');
  typecheck(dir);
  viteBuild(dir);
  const { page, errors, close } = await open(join(dir, 'dist'), '/index.html');
  try {
    const events = await exchange(page, { sockets: 1, via: ['app-realtime'] });
    assert.deepEqual(
      events.map((e) => e.id),
      [1, 3],
    );
    const info = await page.evaluate(() => ({ ...window.__info, states: window.__states }));
    assert.equal(info.subclass, true);
    assert.equal(info.defaultTag, true);
    assert.ok(info.states.includes('open'));
    await page.waitForFunction(() => /42\.5/.test(document.querySelector('app-gauge')?.shadowRoot?.textContent ?? ''), { timeout: 5000 });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('React 19 app: wrappers with camel-case event props, typed plain tags with onkimi: props, and a ref effect', { timeout: 120_000 }, async () => {
  const dir = makeApp('react', ['react', 'react-dom', 'scheduler', '@types/react', '@types/react-dom']);
  typecheck(dir);
  viteBuild(dir);
  const { page, errors, close } = await open(join(dir, 'dist'), '/index.html');
  try {
    const events = await exchange(page, { sockets: 2, via: ['wrapper', 'jsx', 'effect'] });
    for (const via of ['wrapper', 'jsx', 'effect']) {
      assert.deepEqual(
        events.filter((e) => e.via === via).map((e) => e.id),
        [1, 3],
        `${via}: session 1 only, each once (StrictMode mounts twice)`,
      );
    }
    const state = await page.$eval('#react-state', (el) => el.textContent);
    assert.equal(state, '42.5 %', 'React state updated from the wrapper event prop');
    const states = await page.evaluate(() => window.__states);
    assert.ok(states.includes('open'));
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

/** The Svelte 5 app, its toolchain (Svelte, its Vite plugin, svelte-check) installed on first use. */
function makeSvelteApp() {
  const deps = join(APPS, 'svelte');
  ensureDeps(deps);
  return makeApp('svelte', [], join(deps, 'node_modules'));
}

/** svelte-check in `dir` (warnings count as failures); returns its output, throws with it on failure. */
function svelteCheck(dir) {
  try {
    return execFileSync(
      process.execPath,
      [join(dir, 'node_modules/svelte-check/bin/svelte-check'), '--tsconfig', './tsconfig.json', '--fail-on-warnings', '--output', 'machine'],
      {
        cwd: dir,
        stdio: 'pipe',
        encoding: 'utf8',
      },
    );
  } catch (e) {
    throw new Error(`svelte-check failed in ${dir}:\n${e.stdout}${e.stderr}`, { cause: e });
  }
}

test(
  'Svelte 5 app: onkimi: attributes and spreads typed by kimi-realtime/jsx/svelte (svelte-check rejects wrong ones, warns about none), built by Vite with the Svelte plugin, delivering events',
  { timeout: 300_000 },
  async () => {
    const dir = makeSvelteApp();
    // One svelte-check run over the app and a file of mistakes (not imported by the app): exactly
    // these five errors, all in the bad file, and no warning anywhere (the app's attribute form carries
    // its svelte-ignore comment): the types apply, and the app's own markup is clean.
    writeFileSync(
      join(dir, 'src/Bad.svelte'),
      `<script lang="ts"></script>

<kimi-realtime max-queue="ten"></kimi-realtime>
<kimi-realtime state="open"></kimi-realtime>
<kimi-realtime {...{ 'onkimi:metric_updated': (e) => e.detail.nonexistent }}></kimi-realtime>
<!-- svelte-ignore attribute_illegal_colon -->
<kimi-realtime onkimi:status={(e) => e.detail.nonexistent}></kimi-realtime>
<kimi-metric-chart max-points={[1]}></kimi-metric-chart>
`,
    );
    let output = '';
    assert.throws(
      () => svelteCheck(dir),
      (error) => ((output = error.message), true),
    );
    for (const expected of [
      /ERROR "src\/Bad\.svelte" 3:\d+ "Type 'string' is not assignable to type 'number'/,
      /ERROR "src\/Bad\.svelte" 4:\d+ "Object literal may only specify known properties, and '\\"state\\"' does not exist/,
      /ERROR "src\/Bad\.svelte" 5:\d+ "Property 'nonexistent' does not exist on type 'MetricUpdatedMessage'/,
      /ERROR "src\/Bad\.svelte" 7:\d+ "Property 'nonexistent' does not exist on type 'KimiStatusDetail'/,
      /ERROR "src\/Bad\.svelte" 8:\d+ "Type 'number\[\]' is not assignable to type 'number'/,
    ]) {
      assert.match(output, expected);
    }
    assert.match(output, /COMPLETED \d+ FILES 5 ERRORS 0 WARNINGS 1 FILES_WITH_PROBLEMS/);
    viteBuild(dir, join(dir, 'node_modules/vite/bin/vite.js'));
    const { page, errors, close } = await open(join(dir, 'dist'), '/index.html');
    try {
      const events = await exchange(page, { sockets: 2, via: ['attribute', 'spread'] });
      for (const via of ['attribute', 'spread']) {
        assert.deepEqual(
          events.filter((e) => e.via === via).map((e) => e.id),
          [1, 3],
          `${via}: session 1 only, in order`,
        );
      }
      await page.waitForFunction(() => document.querySelector('#svelte-state')?.textContent === '42.5 %', { timeout: 5000 });
      await page.waitForFunction(() => /42\.5/.test(document.querySelector('kimi-context-gauge')?.shadowRoot?.textContent ?? ''), { timeout: 5000 });
      const info = await page.evaluate(() => ({ states: window.__states, token: typeof document.querySelector('kimi-realtime')?.token }));
      assert.ok(info.states.includes('open'));
      assert.equal(info.token, 'function', 'token={fn} set the property');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  },
);

/** `ng build` (the Angular CLI, from test/apps/angular's own install) in `dir`; throws with its output on failure. */
function ngBuild(dir) {
  try {
    execFileSync(process.execPath, [join(dir, 'node_modules/@angular/cli/bin/ng.js'), 'build'], {
      cwd: dir,
      stdio: 'pipe',
      env: { ...process.env, NG_CLI_ANALYTICS: 'false', NO_COLOR: '1' },
    });
  } catch (e) {
    throw new Error(`ng build failed in ${dir}:\n${e.stdout}${e.stderr}`, { cause: e });
  }
}

/** The Angular app, its toolchain installed on first use (about 50 s and 280 MB once; nothing after). */
function makeAngularApp() {
  const deps = join(APPS, 'angular');
  ensureDeps(deps);
  return makeApp('angular', [], join(deps, 'node_modules'));
}

test(
  'Angular app: standalone component, CUSTOM_ELEMENTS_SCHEMA, @ViewChild + addEventListener, built by the Angular CLI with strict templates',
  { timeout: 300_000 },
  async () => {
    const dir = makeAngularApp();
    ngBuild(dir); // AOT with strictTemplates: the template and the component's TypeScript are type-checked against the tarball
    const { page, errors, close } = await open(join(dir, 'dist/browser'), '/index.html');
    try {
      const events = await exchange(page, { sockets: 1, via: ['angular'] });
      assert.deepEqual(
        events.map((e) => e.id),
        [1, 3],
        'session 1 only, in order',
      );
      await page.waitForFunction(() => document.querySelector('#angular-state')?.textContent === '42.5 %', { timeout: 5000 });
      await page.waitForFunction(() => /42\.5/.test(document.querySelector('kimi-context-gauge')?.shadowRoot?.textContent ?? ''), { timeout: 5000 });
      assert.ok((await page.evaluate(() => window.__states)).includes('open'));
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  },
);

test('Angular: the template binding (kimi:metric_updated) is rejected by the compiler, as the README says', { timeout: 300_000 }, () => {
  const dir = makeAngularApp();
  const main = join(dir, 'src/main.ts');
  const source = readFileSync(main, 'utf8');
  const bound = source.replace('<kimi-realtime #rt', '<kimi-realtime (kimi:metric_updated)="percentage.set(1)" #rt');
  assert.notEqual(bound, source);
  writeFileSync(main, bound);
  assert.throws(() => ngBuild(dir), /Unexpected global target 'kimi' defined for 'metric_updated' event/);
});

test('moduleResolution node (node10): every subpath resolves through typesVersions', { timeout: 60_000 }, () => {
  const dir = makeApp('node10', ['react', '@types/react']);
  typecheck(dir);
});

test("Vite dev server: with `url` left empty the socket goes to Vite and hangs; the README's /ws and /api proxy fixes both", { timeout: 180_000 }, async () => {
  const dir = makeApp('vite');
  const target = `http://127.0.0.1:${hub.main.port}`;
  for (const proxy of ['none', 'ws only', 'ws and api']) {
    const env = proxy === 'none' ? {} : { KIMI_TARGET: target, KIMI_PROXY_API: proxy === 'ws and api' ? '1' : '0' };
    const dev = await viteDev(dir, env);
    const page = await browser.newPage();
    try {
      await page.goto(dev.url, { waitUntil: 'load' }); // no ?ws=: the element uses /ws and /api on the page's host
      if (proxy === 'none') {
        await page.waitForFunction(() => document.querySelector('app-realtime')?.state === 'connecting', { timeout: 20_000 });
        await new Promise((r) => setTimeout(r, 2000));
        assert.equal(await page.evaluate(() => document.querySelector('app-realtime').state), 'connecting', 'Vite never answers the socket');
        continue;
      }
      const events = await exchange(page, { sockets: 1, via: ['app-realtime'] });
      assert.deepEqual(
        events.map((e) => e.id),
        [1, 3],
        'through the proxy',
      );
      await page.waitForFunction(() => window.__hydrations.length > 0 || window.__errors.some((e) => e.kind === 'hydration'), { timeout: 10_000 });
      const { hydrations, errors } = await page.evaluate(() => ({ hydrations: window.__hydrations, errors: window.__errors }));
      if (proxy === 'ws only') {
        // What the README's recipe gave before it proxied /api: the history request reaches Vite.
        assert.ok(
          errors.some((e) => e.kind === 'hydration' && /404/.test(e.message)),
          `a hydration error with Vite's 404: ${JSON.stringify(errors)}`,
        );
      } else {
        assert.deepEqual(
          errors.filter((e) => e.kind === 'hydration'),
          [],
        );
        assert.equal(hydrations[0]?.sessionId, '1');
        assert.equal(hydrations[0]?.found, true, JSON.stringify(hydrations));
        assert.equal(hydrations[0]?.error, null);
      }
    } finally {
      await page.close();
      await dev.stop();
    }
  }
});
