// `npm run bench:tabs`: recovery after a server restart with 1, 5 and 10 tabs, in Chromium and Firefox
// ESR (Debian's /usr/bin/chromium and /usr/bin/firefox-esr; CHROME_PATH / FIREFOX_PATH override), each tab
// a real page (one browser context, no iframes) showing the demo's two panels, each panel a
// <kimi-realtime> with its dashboard. A benchmark, not a test: it measures and reports.
//
// Per browser and tab count, in a browser started for that run (Firefox remembers failed connections
// to a host browser-wide, so runs must not share one): open the tabs, wait until every element is open,
// restart the simulator (connections cut, port closed for --down-ms, then the same port again) and time
// how long after the server came back every element is open again, from `kimi:status` events stamped in
// the pages. Nothing is changed from what users get: Firefox's network.websocket.delay-failed-reconnects
// stays on, and puppeteer's switches that stop Chromium throttling background tabs are taken off.
//
// With cross-tab sharing (some tab's `<kimi-realtime>` says `stats.connection.heldBy: 'another-tab'`:
// another tab holds the socket; see page.js `role()`), it also measures leader failover (the leader tab closed → frames
// again in every other tab) and delivery through a follower tab against the leader (frames/s of a blast,
// ratio). Without it, those print "n/a (no cross-tab sharing in this build)".
//
// Options: --tabs=1,5,10  --browsers=chromium,firefox  --rounds=2  --down-ms=2000  --blast=1000  --no-write  --smoke
// (--smoke: 1 and 2 tabs, nothing written). Needs dist/ (`npm run bench:tabs` builds first).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import puppeteer from 'puppeteer-core';
import { KimiSimulator } from '../simulator/simulator.mjs';
import { startStaticServer } from '../scripts/static-server.mjs';
import { writeSection } from './report-section.mjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const smoke = process.argv.includes('--smoke');
const TABS = (smoke ? '1,2' : arg('tabs', '1,5,10')).split(',').map(Number);
const KINDS = arg('browsers', 'chromium,firefox').split(',');
const ROUNDS = Number(arg('rounds', smoke ? '1' : '2'));
const DOWN_MS = Number(arg('down-ms', '2000'));
const write = !smoke && !process.argv.includes('--no-write');
const RECOVERY_TIMEOUT_MS = 240_000;
// A hidden leader tab delivered about 50 frames/s in the first cross-tab build: 1,000 keeps a run near 10 min.
const BLAST = Number(arg('blast', '1000'));
const FAILOVER_RATE = 50;

const BROWSERS = {
  chromium: {
    name: 'Chromium',
    path: process.env.CHROME_PATH || '/usr/bin/chromium',
    options: {
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
      // Puppeteer turns off background-tab throttling by default; users have it.
      ignoreDefaultArgs: ['--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows', '--disable-renderer-backgrounding'],
    },
  },
  firefox: {
    name: 'Firefox ESR',
    path: process.env.FIREFOX_PATH || '/usr/bin/firefox-esr',
    options: { browser: 'firefox', headless: true },
  },
};
for (const kind of KINDS) {
  if (!BROWSERS[kind]) throw new Error(`unknown browser "${kind}" (chromium, firefox)`);
  if (!existsSync(BROWSERS[kind].path))
    throw new Error(`${BROWSERS[kind].name} not found at ${BROWSERS[kind].path}: apt-get install -y ${kind === 'firefox' ? 'firefox-esr' : 'chromium'}`);
}
if (!existsSync('dist/cdn/kimi-realtime.iife.js')) throw new Error('dist/ is missing: npm run build (npm run bench:tabs does)');

const version = (path) => spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n').at(-1);
const site = await startStaticServer({ root: '.', allow: ['bench/tabs', 'dist', 'demo'] });

/** Reads every tab's record. */
const readAll = (pages) => Promise.all(pages.map((p) => p.evaluate(() => window.__tabs.read())));

/** Waits until every element of every tab is open after `since`; returns the last reads and whether all opened. */
async function waitAllOpen(pages, since, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reads = await readAll(pages);
    const all = reads.every((r) => r.elements.every((e) => e.state === 'open' && e.opens.some((t) => t > since)));
    if (all || Date.now() > deadline) return { reads, all };
    await sleep(100);
  }
}

async function until(what, pred, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

/** Leader failover and follower delivery, when the build shares one socket across tabs. */
async function measureSharing(sim, pages) {
  const out = {};
  let reads = await readAll(pages);
  out.leaders = reads.filter((r) => r.role === 'leader').length;
  if (pages.length < 2) return out;

  // Delivery: one blast, counted in every tab; the leader's rate against the followers'.
  sim.setRate(0);
  await sleep(300);
  await Promise.all(pages.map((p) => p.evaluate((n) => window.__tabs.startDelivery(n), BLAST)));
  await sim.blast({ count: BLAST, sessions: [2], size: 'small' });
  await until(
    'every tab received the blast',
    async () => {
      const d = await Promise.all(pages.map((p) => p.evaluate(() => window.__tabs.delivery())));
      return d.every((x) => x.count >= BLAST) && d;
    },
    120_000,
  )
    .then((d) => {
      const tabs = d.map((x, i) => ({ role: reads[i].role, visibility: reads[i].visibility, fps: ((x.count - 1) * 1000) / x.ms, p50: x.p50, p95: x.p95 }));
      const leader = tabs.find((t) => t.role === 'leader');
      const followers = tabs.filter((t) => t.role === 'follower');
      if (leader && followers.length) {
        out.delivery = {
          leaderVisibility: leader.visibility,
          leaderFps: leader.fps,
          followerFps: median(followers.map((t) => t.fps)),
          ratio: median(followers.map((t) => t.fps)) / leader.fps,
          leaderP50: leader.p50,
          followerP50: median(followers.map((t) => t.p50)),
          leaderP95: leader.p95,
          followerP95: median(followers.map((t) => t.p95)),
        };
      }
    })
    .catch((e) => {
      out.deliveryError = e.message;
    });

  // Failover: traffic on, the leader tab closed; time until every other tab gets a frame the server sent after.
  const leaderIndex = reads.findIndex((r) => r.role === 'leader');
  if (leaderIndex < 0) return out;
  sim.setRate(FAILOVER_RATE);
  await sleep(1000);
  const leader = pages[leaderIndex];
  const rest = pages.filter((p) => p !== leader);
  await leader.close({ runBeforeUnload: false });
  const closed = Date.now();
  await Promise.all(rest.map((p) => p.evaluate((t) => window.__tabs.mark(t), closed)));
  try {
    const resumed = await until(
      'frames again in every other tab',
      async () => {
        const r = await Promise.all(rest.map((p) => p.evaluate(() => window.__tabs.resumed())));
        return r.every(Boolean) && r;
      },
      60_000,
    );
    out.failoverMs = Math.max(...resumed.map((r) => r.at)) - closed;
    reads = await until(
      'a new leader',
      async () => {
        const r = await readAll(rest);
        return r.filter((x) => x.role === 'leader').length === 1 && r;
      },
      10_000,
    );
    out.socketsAfterFailover = sim.clientCount;
  } catch (e) {
    out.failoverError = e.message;
  }
  pages.splice(leaderIndex, 1);
  return out;
}

/**
 * What this browser offers to a server that offers permessage-deflate as uvicorn does, and what it reads
 * back: on a bare WebSocket (`extensions`) and on a <kimi-realtime> (`stats.connection.extensions`, when the build has it).
 */
async function negotiation(page) {
  const probe = new KimiSimulator({ rate: 0 });
  await probe.start();
  try {
    const extensions = await page.evaluate(
      (u) =>
        new Promise((resolve) => {
          const ws = new WebSocket(u);
          ws.onopen = () => {
            resolve(ws.extensions);
            ws.close();
          };
          ws.onerror = () => resolve(null);
        }),
      probe.url,
    );
    const offer = probe.lastHandshake?.headers['sec-websocket-extensions'] ?? null;
    const statsExtensions = await page.evaluate(
      (u) =>
        new Promise((resolve) => {
          const el = document.createElement('kimi-realtime');
          el.setAttribute('url', u);
          const done = (v) => {
            el.remove();
            resolve(v);
          };
          el.addEventListener('kimi:status', (e) => {
            if (e.detail.state === 'open') done(el.stats.connection?.extensions ?? null);
          });
          setTimeout(() => done(null), 10_000);
          document.body.append(el);
        }),
      probe.url,
    );
    return { offer, extensions, statsExtensions };
  } finally {
    await probe.stop();
  }
}

async function run(kind, tabs, round, probe) {
  const b = BROWSERS[kind];
  // The simulator as `npm start` runs it (realistic traffic, 8 frames/s) but without permessage-deflate:
  // compressing for every socket, Node's zlib would be what limits the delivery measurement, not the
  // browser (recovery does not depend on it). `stamp` adds the send time to generated frames (failover).
  const sim = new KimiSimulator({ rate: 8, stamp: true, deflate: false });
  await sim.start();
  // networkEnabled off: the driver does not ask the browser to mirror every WebSocket frame to it.
  const browser = await puppeteer.launch({ executablePath: b.path, ...b.options, networkEnabled: false, protocolTimeout: 300_000 });
  const result = { browser: b.name, kind, tabs, round, elements: tabs * 2 };
  try {
    const pages = [];
    for (let i = 0; i < tabs; i++) {
      const page = i === 0 ? ((await browser.pages())[0] ?? (await browser.newPage())) : await browser.newPage();
      await page.goto(`${site.url}/bench/tabs/index.html?ws=${encodeURIComponent(sim.url)}`);
      pages.push(page);
    }
    const opened = await waitAllOpen(pages, 0, 60_000);
    if (!opened.all) throw new Error('not every element opened at the start');
    result.visibility = opened.reads.map((r) => r.visibility);
    if (probe) Object.assign(result, await negotiation(pages[0]));
    await sleep(500);
    result.socketsBefore = sim.clientCount;
    const handshakesBefore = sim.connectionsTotal;
    const dropped = Date.now();
    await sim.restart({ downMs: DOWN_MS });
    const back = Date.now();
    const { reads, all } = await waitAllOpen(pages, dropped, RECOVERY_TIMEOUT_MS);
    const openAt = reads.flatMap((r) => r.elements.map((e) => e.opens.find((t) => t > dropped) ?? NaN));
    result.all = all;
    result.openedCount = openAt.filter(Number.isFinite).length;
    result.recoveryMs = all ? Math.max(...openAt) - back : NaN;
    result.firstMs = Math.min(...openAt.filter(Number.isFinite)) - back;
    result.medianMs = median(openAt.filter(Number.isFinite)) - back;
    // Retries each element scheduled after the drop: its highest attempt number.
    const retriesUsed = reads.flatMap((r) => r.elements.map((e) => Math.max(0, ...e.retries.filter((x) => x.at >= dropped).map((x) => x.attempt))));
    result.retries = retriesUsed.reduce((a, b) => a + b, 0);
    result.maxRetries = Math.max(...retriesUsed);
    result.handshakes = sim.connectionsTotal - handshakesBefore;
    result.socketsAfter = sim.clientCount;
    result.roles = reads.map((r) => r.role);
    // Cross-tab sharing shows as a tab whose elements get their frames from another tab's socket.
    result.sharing = reads.some((r) => r.role === 'follower') ? await measureSharing(sim, pages) : null;
  } finally {
    await browser.close().catch(() => {});
    await sim.stop();
  }
  return result;
}

const results = [];
const versions = Object.fromEntries(KINDS.map((k) => [k, version(BROWSERS[k].path)]));
const started = Date.now();
const loadBefore = loadavg()[0];
for (let round = 1; round <= ROUNDS; round++) {
  for (const tabs of TABS) {
    for (const kind of KINDS) {
      process.stdout.write(`round ${round}: ${BROWSERS[kind].name}, ${tabs} tab(s)… `);
      const r = await run(kind, tabs, round, round === 1 && tabs === TABS[0]);
      results.push(r);
      console.log(
        r.all
          ? `all ${r.elements} open ${(r.recoveryMs / 1000).toFixed(1)} s after the server came back`
          : `${r.openedCount}/${r.elements} open after ${RECOVERY_TIMEOUT_MS / 1000} s`,
      );
    }
  }
}
await site.close();

// ---- report ---------------------------------------------------------------------------------------
const s = (ms, d = 1) => (Number.isFinite(ms) ? (ms / 1000).toFixed(d) : 'n/a');
const NA = 'n/a (no cross-tab sharing in this build)';
const cell = (rs) => {
  const done = rs.filter((r) => r.all).map((r) => r.recoveryMs);
  const each = rs.map((r) => (r.all ? s(r.recoveryMs) : `>${RECOVERY_TIMEOUT_MS / 1000}`)).join(', ');
  return `${done.length === rs.length ? `**${s(median(done))}**` : '**not all**'}${rs.length > 1 ? ` (${each})` : ''}`;
};
const summary = [
  `| tabs (elements) | ${KINDS.map((k) => BROWSERS[k].name).join(' | ')} |`,
  `|---|${KINDS.map(() => '---|').join('')}`,
  ...TABS.map((t) => `| ${t} (${t * 2}) | ${KINDS.map((k) => cell(results.filter((r) => r.kind === k && r.tabs === t))).join(' | ')} |`),
];
const recovery = [
  '| browser | tabs | round | sockets at the server before → after | server back → every element open (s) | first / median element (s) | retries scheduled by the elements (most by one) | handshakes completed |',
  '|---|---|---|---|---|---|---|---|',
  ...[...results]
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.tabs - b.tabs || a.round - b.round)
    .map(
      (r) =>
        `| ${r.browser} | ${r.tabs} | ${r.round} | ${r.socketsBefore} → ${r.socketsAfter} | ${r.all ? s(r.recoveryMs) : `not all: ${r.openedCount} of ${r.elements} in ${RECOVERY_TIMEOUT_MS / 1000} s`} | ${s(r.firstMs)} / ${s(r.medianMs)} | ${r.retries} (${r.maxRetries}) | ${r.handshakes} |`,
    ),
];
const shared = results.filter((r) => r.sharing && r.tabs >= 2);
const failover = shared.length
  ? [
      '| browser | tabs | leader closed → frames again in every other tab (ms) | sockets at the server after |',
      '|---|---|---|---|',
      ...shared.map(
        (r) => `| ${r.browser} | ${r.tabs} | ${r.sharing.failoverError ?? Math.round(r.sharing.failoverMs)} | ${r.sharing.socketsAfterFailover ?? ''} |`,
      ),
    ]
  : [NA];
const delivery = shared.length
  ? [
      '| browser | tabs | leader tab | leader frames/s | follower frames/s (median) | follower / leader | p50 latency leader / follower (ms) | p95 (ms) |',
      '|---|---|---|---|---|---|---|---|',
      ...shared.map((r) =>
        r.sharing.delivery
          ? `| ${r.browser} | ${r.tabs} | ${r.sharing.delivery.leaderVisibility} | ${Math.round(r.sharing.delivery.leaderFps).toLocaleString('en-US')} | ${Math.round(r.sharing.delivery.followerFps).toLocaleString('en-US')} | ${r.sharing.delivery.ratio.toFixed(2)} | ${r.sharing.delivery.leaderP50.toFixed(1)} / ${r.sharing.delivery.followerP50.toFixed(1)} | ${r.sharing.delivery.leaderP95.toFixed(1)} / ${r.sharing.delivery.followerP95.toFixed(1)} |`
          : `| ${r.browser} | ${r.tabs} | ${r.sharing.deliveryError ?? 'no leader/follower pair'} | | | | | |`,
      ),
    ]
  : [NA];
const probes = results.filter((r) => r.offer !== undefined);
const negotiated = `Against a server offering permessage-deflate as uvicorn does: ${probes.map((r) => `${r.browser} offers \`${r.offer}\`, \`WebSocket.extensions\` reads \`${r.extensions}\`, \`<kimi-realtime>\`'s \`stats.connection.extensions\` ${r.statsExtensions === null ? 'is not in this build' : `reads \`${r.statsExtensions}\``}`).join('; ')}.`;
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const visibility =
  KINDS.map((k) => {
    const v = results.filter((r) => r.kind === k && r.tabs > 1).flatMap((r) => r.visibility);
    return v.length
      ? `${BROWSERS[k].name}: ${v.filter((x) => x === 'hidden').length ? 'tabs in the background are hidden' : 'every tab visible, headless'}`
      : null;
  })
    .filter(Boolean)
    .join('; ') || 'one tab';

const markdown = `## Tabs: recovery after a server restart, leader failover, follower delivery

\`npm run bench:tabs\` (\`node bench/tabs.mjs --tabs=${TABS.join(',')} --rounds=${ROUNDS} --down-ms=${DOWN_MS} --blast=${BLAST}\`), ${new Date().toISOString().slice(0, 10)}, ${KINDS.map((k) => versions[k]).join(', ')},
puppeteer-core (Firefox over WebDriver BiDi), Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}, load average ${loadBefore.toFixed(1)} at the start and
${loadavg()[0].toFixed(1)} at the end${loadBefore > 1.5 ? ' (other work shared the machine)' : ' (the benchmark itself on an otherwise idle machine)'}; the run took ${minutes} min.
Each tab is a real page in one browser context (${visibility}) showing the demo's two panels, a
\`<kimi-realtime>\` each (one follows the active session, one is pinned to session 2) with its dashboard, with the
default reconnect settings (3 s ±20 %, doubling, at most 30 s). The simulator runs as \`npm start\` does (realistic
traffic at 8 frames/s) but without permessage-deflate, so that Node's zlib does not limit the delivery measurement;
a restart cuts every connection and refuses new ones for ${DOWN_MS.toLocaleString('en-US')} ms. Each
row is a browser started for it (Firefox remembers failed connections to a host browser-wide). Firefox keeps
\`network.websocket.delay-failed-reconnects\` on and Chromium keeps background-tab throttling: what users get.
Times come from \`kimi:status\` events stamped in the pages. An element's first retry falls 2.4–3.6 s after the drop,
so up to ${((3600 - DOWN_MS) / 1000).toFixed(1)} s after the server is back: the issue's target for 10 tabs, the retry delay + 1 s, is about ${((3600 - DOWN_MS + 1000) / 1000).toFixed(1)} s here.

Recovery after a server restart: time from the server listening again to every element open again, in seconds
(median of ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}${ROUNDS > 1 ? ', each in brackets' : ''}):

${summary.join('\n')}

Each run:

${recovery.join('\n')}

Leader failover (the tab holding the shared socket closed while frames flow at ${FAILOVER_RATE}/s):

${failover.join('\n')}

Delivery through a follower tab against the leader (a blast of ${BLAST.toLocaleString('en-US')} frames, counted in every tab):

${delivery.join('\n')}

${negotiated}
`;
console.log(`\n${markdown}`);
if (write) {
  writeSection('tabs', markdown);
  console.log('wrote bench/results/tabs.md and its section of BENCHMARKS.md');
}
process.exit(0);
