// Faults, hostile input and lifecycle, against the real simulator in real Chromium (README: "Faults, hostile input and their tests").
// `npm test` runs the fast counts; `npm run test:stress` (STRESS=1) runs the long ones.
import { expect, fixture, html } from '@open-wc/testing';
import { Sim, until, sleep } from './helpers/simulator.js';
import { mountRealtime, record } from './helpers/element.js';
import { metric } from './helpers/frames.js';
import { engine, epochNow, measuredHeap, skipBecause, startTyping } from './helpers/browser.js';
import type { KimiErrorDetail, KimiRealtime, KimiStatusDetail } from '../../src/index.js';

const STRESS = window.__KIMI_SIM__.stress;

describe('hardening: restarts', function () {
  this.timeout(STRESS ? 600_000 : 60_000);
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it(`server restarts ${STRESS ? 50 : 5} times while the page sends: every command reaches the server once, in order; every frame after each reconnect reaches each listener once`, async () => {
    const restarts = STRESS ? 50 : 5;
    const el = await mountRealtime({
      url: sim.url,
      'session-id': '1',
      'reconnect-delay': 60,
      'reconnect-jitter': 0.2,
      'reconnect-delay-max': 200,
      'max-queue': 10000,
    });
    const onDocument = record(document, 'kimi:metric_updated');
    const onElement = record(el, 'kimi:metric_updated');
    let sent = 0;
    let pushed = 0;
    const queued = new Set<number>();
    const sender = setInterval(() => {
      const n = sent++;
      if (!el.send({ type: 'note', n })) queued.add(n);
    }, 7);
    try {
      for (let i = 0; i < restarts; i++) {
        await sim.restart(40 + (i % 3) * 40);
        await until(() => el.state === 'open', { timeout: 5000, what: `reopen after restart ${i}` });
        await sim.push(metric(1, pushed++), metric(2, 100000 + i), metric(1, pushed++));
        await until(() => onElement.length === pushed, { what: `frames after restart ${i}` });
      }
    } finally {
      clearInterval(sender);
    }
    await until(() => el.stats.queueDepth === 0 && el.state === 'open');
    await sleep(300);
    const state = await sim.state(10_000);
    const received: number[] = state.received.map((r) => JSON.parse(r.text).n);
    expect(state.receivedCount, 'the server keeps every frame in this test').to.equal(received.length);
    // Queued commands (sent while not open) arrive exactly once and in order; a command written to a
    // socket the server had just killed can be lost in flight (Kimi Proxy has no acks), never repeated.
    expect(new Set(received).size, 'no duplicates').to.equal(received.length);
    expect(received, 'in order').to.deep.equal([...received].sort((a, b) => a - b));
    const missingQueued = [...queued].filter((n) => !received.includes(n));
    expect(missingQueued, 'every queued command arrives').to.deep.equal([]);
    expect(queued.size, 'some commands were queued during the restarts').to.be.above(0);
    console.warn(
      `[measured] ${restarts} restarts: ${sent} commands, ${queued.size} queued (all delivered once, in order), ${sent - received.length} written to a dying socket and lost in flight`,
    );
    expect(onElement.map((m) => m.metric_id)).to.deep.equal(Array.from({ length: pushed }, (_, i) => i));
    expect(onDocument.length).to.equal(pushed);
    expect(el.stats.reconnects).to.equal(restarts);
  });
});

describe('hardening: half-open sockets', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create({ pingReply: true });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('idle-timeout + ping-interval: a stalled server is detected and the element reconnects within the window', async () => {
    const el = await mountRealtime({ url: sim.url, 'idle-timeout': 600, 'ping-interval': 150, 'reconnect-delay': 100 });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    // The element measures silence from the last frame it received (a pong, up to one ping interval
    // before the stall), not from the stall: timed from the stall, detection may come 150 ms early.
    // Pongs are counted, not dispatched, so watch the counter: the last frame arrived after the last
    // poll that had not seen it (frameAfter) and no later than the first poll that did (frameBy).
    let frames = el.stats.framesReceived;
    let polledAt = performance.now();
    let frameAfter = polledAt;
    let frameBy = polledAt;
    const watch = setInterval(() => {
      const now = performance.now();
      if (el.stats.framesReceived !== frames) {
        frames = el.stats.framesReceived;
        [frameAfter, frameBy] = [polledAt, now];
      }
      polledAt = now;
    }, 5);
    let detectedAt = 0;
    let before = 0;
    el.addEventListener('kimi:error', (e) => {
      if (e.detail.kind === 'idle-timeout') detectedAt ||= performance.now();
    });
    try {
      // Pings answered: a quiet but live server is not dropped.
      await sleep(1000);
      expect(errors, 'no idle timeout while pongs arrive').to.deep.equal([]);
      expect(frames, 'pongs arrived').to.be.above(3);
      before = (await sim.state()).connectionsTotal;
      await sim.stall(true);
      await until(() => detectedAt > 0, { timeout: 3000, what: 'idle-timeout' });
    } finally {
      clearInterval(watch);
    }
    // Never before idle-timeout of silence (2 ms for Date.now() and performance.now() rounding); at
    // most one check interval (idle-timeout / 4) late, plus scheduling slack on a loaded machine.
    expect(detectedAt - frameAfter, 'silence before the idle timeout fired (at least)').to.be.at.least(600 - 2);
    expect(detectedAt - frameBy, 'silence before the idle timeout fired (at most)').to.be.at.most(600 + 150 + 250);
    console.warn(
      `[measured] idle-timeout 600 ms, ping-interval 150 ms: the stall was detected after ${(detectedAt - frameBy).toFixed(0)}–${(detectedAt - frameAfter).toFixed(0)} ms of silence`,
    );
    await until(async () => (await sim.state()).connectionsTotal > before, { what: 'a new connection' });
    await until(() => el.state === 'open');
  });

  it('without idle-timeout (the default) nothing is sent and a quiet connection stays open', async () => {
    const el = await mountRealtime({ url: sim.url });
    await sleep(500);
    expect((await sim.state()).receivedCount).to.equal(0);
    expect(el.state).to.equal('open');
  });
});

describe('hardening: network and tab', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('offline/online and hidden/visible cause no reconnect storm; online retries at once', async () => {
    const el = await mountRealtime({ url: sim.url, 'reconnect-delay': 400 });
    const statuses = record<KimiStatusDetail>(el, 'kimi:status');
    // While open, flapping network and visibility events must not touch the connection.
    for (let i = 0; i < 20; i++) {
      window.dispatchEvent(new Event('offline'));
      window.dispatchEvent(new Event('online'));
      document.dispatchEvent(new Event('visibilitychange'));
    }
    await sleep(200);
    expect(statuses).to.deep.equal([]);
    expect((await sim.state()).connectionsTotal).to.equal(1);
    // Server down: a burst of online events yields at most one extra attempt per scheduled retry.
    await sim.restart(1500);
    await until(() => el.state === 'reconnecting');
    window.dispatchEvent(new Event('offline'));
    expect(el.state).to.equal('offline');
    expect(el.matches(':state(offline)')).to.equal(true);
    for (let i = 0; i < 50; i++) window.dispatchEvent(new Event('online'));
    await until(() => el.state === 'open', { timeout: 8000 });
    const scheduled = statuses.filter((s) => s.nextRetryAt !== null).length;
    expect(scheduled, 'attempts while the server was down for 1.5 s').to.be.below(8);
  });

  it(`jitter spreads ${STRESS ? 100 : 20} clients' retries after a server restart`, async function () {
    this.timeout(60_000);
    const n = STRESS ? 100 : 20;
    const container = await fixture<HTMLDivElement>(html`<div></div>`);
    const els: KimiRealtime[] = [];
    for (let i = 0; i < n; i++) {
      const el = document.createElement('kimi-realtime');
      el.url = sim.url;
      el.reconnectDelay = 1000;
      // A socket each, as n browsers would have (elements of one page share one by default).
      el.ownConnection = true;
      container.append(el);
      els.push(el);
    }
    await until(() => els.every((e) => e.state === 'open'), { timeout: 15000 });
    const retryAt: number[] = [];
    // Each client's first scheduled retry after the restart (a client open for less than stable-after
    // continues its attempt count, so it may be attempt 2).
    for (const el of els) {
      const first = (e: Event) => {
        const { nextRetryAt } = (e as CustomEvent<KimiStatusDetail>).detail;
        if (!nextRetryAt) return;
        retryAt.push(nextRetryAt);
        el.removeEventListener('kimi:status', first);
      };
      el.addEventListener('kimi:status', first);
    }
    await sim.restart(100);
    await until(() => retryAt.length >= n, { timeout: 10000 }).catch((e) => {
      throw new Error(`${e.message}: ${retryAt.length} of ${n} scheduled a first retry; states ${els.map((x) => x.state).join(',')}`);
    });
    const spread = Math.max(...retryAt) - Math.min(...retryAt);
    const sorted = [...retryAt].sort((a, b) => a - b);
    const maxInOneBucket = Math.max(...sorted.map((t) => sorted.filter((u) => u >= t && u < t + 50).length));
    // Default jitter 0.2 around 1 s: retries spread uniformly over ~400 ms. Without jitter every
    // client would retry in the same millisecond.
    const mean = retryAt.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(retryAt.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(spread).to.be.above(250);
    expect(sd).to.be.above(70);
    expect(maxInOneBucket).to.be.below(n / 2);
    console.warn(`[measured] ${n} clients, retry spread ${spread} ms, sd ${sd.toFixed(0)} ms, at most ${maxInOneBucket} retries in any 50 ms`);
    if (engine === 'Firefox') {
      container.remove();
      // Firefox counts each abnormal close as a failed connection to that host and port and delays the
      // next attempt 1.5x more per failure, up to 60 s (RFC 6455 §7.2.3): after n drops at once the
      // first reconnect waits about a minute (86 s measured for 20 clients). That is what users get.
      skipBecause(
        this,
        `the retries were spread as asserted, but reopening is not waited for: Firefox delays reconnects to a host after ${n} abnormal closes (up to 60 s, RFC 6455 §7.2.3)`,
      );
    }
    await until(() => els.every((e) => e.state === 'open'), { timeout: 15000 });
    container.remove();
  });
});

describe('hardening: hostile frames', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('1 MB frames, deep nesting, __proto__/constructor keys, numeric-string ids, unicode: no pollution, no crash', async () => {
    const el = await mountRealtime({ url: sim.url, 'session-id': '1' });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    const seen = record(el, 'kimi:message');
    const big = 'x'.repeat(1 << 20);
    await sim.push(
      JSON.stringify(metric(1, 1, { content_preview: big })),
      `not json ${big}`,
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      `{"type":"metric_updated","session_id":1,"metric_id":3,"nested":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
      '{"type":"metric_updated","session_id":1,"metric_id":4,"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
      '{"type":"__proto__","session_id":1}',
      JSON.stringify(metric('1', 6, { label: 'Ünïcødé ⚠️ 🗜️ \u2028 \u0000 RTL \u202E' })),
    );
    await until(() => el.stats.framesReceived === 7, { timeout: 8000 });
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect((Object.prototype as Record<string, unknown>).polluted).to.equal(undefined);
    expect(seen.map((m) => m.metric_id ?? m.type)).to.deep.equal([1, 3, 4, '__proto__', 6]);
    expect(seen[0].content_preview.length).to.equal(1 << 20);
    expect(errors.filter((e) => e.kind !== 'unknown-type').map((e) => e.kind)).to.deep.equal(['invalid-json', 'not-an-object']);
    expect(errors.every((e) => (e.excerpt ?? '').length <= 121)).to.equal(true);
    expect(el.state).to.equal('open');
  });

  it('runs under a strict Content-Security-Policy (script-src and style-src self, no unsafe-inline or unsafe-eval)', async () => {
    const frame = document.createElement('iframe');
    frame.src = `/test/pages/csp.html?url=${encodeURIComponent(sim.url)}`;
    const loaded = new Promise((r) => frame.addEventListener('load', r, { once: true }));
    document.body.append(frame);
    await loaded;
    const win = frame.contentWindow as Window & { violations: string[]; pageErrors: string[]; events: unknown[] };
    const source = win.document.getElementById('source') as KimiRealtime;
    await until(() => source.state === 'open', { what: 'open under CSP' });
    await sim.push(
      metric(1, 1, {
        cumulative_tokens: 251_658,
        cumulative_percentage: 96,
        alert: { level: 'critical', color: '#ef4444', message: '⚠️ CONTEXTE CRITIQUE (95%)' },
      }),
    );
    await until(() => win.events.length === 1);
    // Hover the chart so its overlay (crosshair, marker, readout) is positioned too.
    const chart = win.document.querySelector('kimi-metric-chart')!;
    await until(() => (chart as unknown as { points: unknown[] }).points.length >= 1);
    // The chart ignores pointer moves until it has laid out its scales (after its first resize
    // observation), which may come after the point: hovering earlier would test nothing.
    await until(() => (chart as unknown as { scales: unknown }).scales != null, { what: 'chart scales' });
    const plot = chart.shadowRoot!.querySelector('[part="chart"]')!;
    const box = plot.getBoundingClientRect();
    plot.dispatchEvent(new PointerEvent('pointermove', { clientX: box.right - 3, clientY: box.top + box.height / 2, bubbles: true, composed: true }));
    await until(() => chart.shadowRoot!.querySelector('.crosshair') !== null, { what: 'hover overlay' });
    await sleep(100);
    expect(win.violations).to.deep.equal([]);
    expect(win.pageErrors).to.deep.equal([]);
    frame.remove();
  });
});

describe('hardening: session switching under load', function () {
  this.timeout(60_000);
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create({ sessions: [1, 2], activeSession: 1, rate: 400, legacy: true, concurrent: true });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('100 switches while two sessions stream: no event of the old session after the switch returns', async () => {
    const el = await mountRealtime({ url: sim.url, 'session-id': '1' });
    let current = '1';
    let violations = 0;
    let checked = 0;
    el.addEventListener('kimi:message', (e) => {
      const id = (e as CustomEvent).detail.session_id;
      if (id === undefined || id === null) return;
      checked++;
      if (String(id) !== current) violations++;
    });
    for (let i = 0; i < 100; i++) {
      current = i % 2 ? '1' : '2';
      el.setAttribute('session-id', current);
      await sleep(i % 10 === 0 ? 20 : 3);
    }
    await sleep(100);
    expect(violations).to.equal(0);
    expect(checked, 'events were flowing during the switches').to.be.above(20);
  });
});

describe('hardening: flood', function () {
  this.timeout(120_000);
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('50,000 frames in one burst with the dashboard mounted: key presses handled during the flood, none frozen out, every buffer bounded, nothing lost', async function () {
    const count = 50_000;
    const root = await fixture<HTMLDivElement>(
      html` <div>
        <input aria-label="typing during the flood" />
        <kimi-realtime url=${sim.url} session-id="1">
          <kimi-context-gauge></kimi-context-gauge>
          <kimi-metric-chart max-points="300"></kimi-metric-chart>
          <kimi-alert-feed max-items="50"></kimi-alert-feed>
          <kimi-connection-status></kimi-connection-status>
        </kimi-realtime>
      </div>`,
    );
    const source = root.querySelector('kimi-realtime')!;
    await until(() => source.state === 'open');
    const input = root.querySelector('input')!;
    input.focus();
    // Keys are pressed from the test runner (a typing loop in the page would wait behind the flood
    // itself) until the page has every frame; each delay is from the moment the runner sent the press
    // to the page's keydown handler.
    const handledAt: number[] = [];
    input.addEventListener('keydown', () => handledAt.push(epochNow()));
    let firstMessageAt = 0;
    let lastMessageAt = 0;
    source.addEventListener('kimi:message', () => {
      lastMessageAt = epochNow();
      firstMessageAt ||= lastMessageAt;
    });
    const typing = await startTyping('a', 20);
    let sentAt: number[];
    try {
      await sim.blast(count, [1, 2], 'small');
      await until(() => source.stats.framesReceived >= count, { timeout: 60_000, what: `${count} frames` });
    } finally {
      sentAt = await typing.stop();
    }
    expect(handledAt.length, 'every key press reached the page once').to.equal(sentAt.length);
    // The presses that met the flood: sent before its last message was handled, handled after its first.
    // One press is always in flight, so a long block of the main thread delays one of them.
    const during = sentAt.map((t, i) => t < lastMessageAt && handledAt[i]! > firstMessageAt);
    const delays = sentAt.map((t, i) => handledAt[i]! - t).filter((_, i) => during[i]);
    const after = sentAt.map((t, i) => handledAt[i]! - t).filter((_, i) => sentAt[i]! >= lastMessageAt);
    const chart = root.querySelector('kimi-metric-chart')!;
    const feed = root.querySelector('kimi-alert-feed')!;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
    console.warn(
      `[measured] flood of ${count} in ${engine}: messages handled over ${(lastMessageAt - firstMessageAt).toFixed(0)} ms, typing from ${(sentAt[0]! - firstMessageAt).toFixed(0)} ms to ${(sentAt.at(-1)! - firstMessageAt).toFixed(0)} ms; ${delays.length} key presses during it, slowest handled ${Math.max(...delays).toFixed(1)} ms after the press, median ${median(delays).toFixed(1)} ms (after the flood: median ${median(after).toFixed(1)} ms); chart ${chart.points.length} points, feed ${feed.items.length} items`,
    );
    expect(sentAt[0], 'typing began before the flood').to.be.below(firstMessageAt);
    expect(delays.length, 'key presses during the flood').to.be.at.least(1);
    expect(source.stats.delivered, 'every session-1 frame delivered').to.be.at.least(count / 2);
    expect(source.stats.filtered).to.equal(count / 2);
    expect(chart.points.length).to.be.at.most(300);
    expect(feed.items.length).to.be.at.most(50);
    expect(source.stats.queueDepth).to.equal(0);
    // How long the slowest press waits is a figure of the engine as much as of the element: on an idle
    // machine a bare WebSocket page in Chromium has a slowest press of 105–219 ms during this flood
    // (median press 1.5 ms). It is measured against that bare page by `npm run bench:input`, not asserted
    // here. What is asserted is the class of fault the frame pump exists for: the page is never frozen
    // out for a second (an engine that delivers the whole burst without input in between, as WebKit
    // does, held key presses for the whole burst before the pump).
    if (engine === 'Firefox') {
      // Firefox itself holds key presses back behind a WebSocket flood (not behind other queued tasks):
      // a bare WebSocket page waits up to ~1 s here under load (bench/results/input-flood.md).
      skipBecause(
        this,
        `the slowest key press waited ${Math.max(...delays).toFixed(0)} ms, but Firefox delays input behind a WebSocket flood even on a bare WebSocket page (npm run bench:input), so the bound is not checked here`,
      );
    }
    expect(Math.max(...delays), 'slowest key press during the flood, ms (a page frozen out)').to.be.below(1000);
  });
});

describe('hardening: lifecycle', function () {
  this.timeout(STRESS ? 600_000 : 60_000);
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it(`${STRESS ? 1000 : 100} mount / unmount / move cycles: no open socket left, heap flat`, async function () {
    const cycles = STRESS ? 1000 : 100;
    const a = await fixture<HTMLDivElement>(html`<div></div>`);
    const b = document.createElement('div');
    document.body.append(b);
    const heap = measuredHeap();
    let heapAfterWarmup = 0;
    for (let i = 0; i < cycles; i++) {
      const el = document.createElement('kimi-realtime');
      el.url = sim.url;
      // Half share the page's socket (the default), half open their own.
      el.ownConnection = i % 2 === 1;
      a.append(el);
      b.append(el); // moved within one task: keeps its connection
      if (i % 3 === 0) await until(() => el.state === 'open');
      el.remove();
      if (i % 10 === 9) await sleep(0);
      if (i === Math.floor(cycles / 5)) heapAfterWarmup = heap?.() ?? 0;
    }
    await until(async () => (await sim.state()).clientCount === 0, { timeout: 10000, what: 'every socket closed' });
    await sleep(200);
    expect((await sim.state()).clientCount).to.equal(0);
    b.remove();
    if (!heap) skipBecause(this, `${cycles} cycles left no socket open, but the heap cannot be measured here (no performance.memory or gc())`);
    const growth = heap() - heapAfterWarmup;
    console.warn(
      `[measured] ${cycles} cycles, ${(await sim.state()).connectionsTotal} connections opened, heap growth after warm-up ${(growth / 1024).toFixed(0)} KB after forced GC`,
    );
    expect(growth, 'heap growth after warm-up').to.be.below(1024 * 1024);
  });
});

describe('hardening: authentication', () => {
  it('async token function called before every attempt, sent as a subprotocol, never logged or reflected', async () => {
    const sim = await Sim.create({ auth: { token: 's3cret-token', via: 'protocol' } });
    const logged: string[] = [];
    const original = { log: console.log, debug: console.debug, info: console.info, warn: console.warn, error: console.error };
    for (const k of Object.keys(original) as (keyof typeof original)[]) console[k] = (...a: unknown[]) => logged.push(a.map(String).join(' '));
    try {
      const el = document.createElement('kimi-realtime');
      el.url = sim.url;
      el.authVia = 'protocol';
      el.debug = true;
      el.reconnectDelay = 50;
      let calls = 0;
      el.token = async () => {
        calls++;
        await sleep(5);
        return 's3cret-token';
      };
      await fixture(html`<div>${el}</div>`);
      await until(() => el.state === 'open', { what: 'open with the subprotocol token' });
      await sim.drop();
      await until(() => el.stats.reconnects === 1, { what: 'reconnect' });
      expect(calls).to.equal(2);
      expect([...el.attributes].map((a) => `${a.name}=${a.value}`).join(' ')).to.not.contain('s3cret');
      expect(
        logged.some((line) => line.includes('s3cret')),
        'token never logged',
      ).to.equal(false);
      expect(logged.length, 'debug logging was on').to.be.above(0);
      el.token = 'wrong';
      const errors = record<KimiErrorDetail>(el, 'kimi:error');
      await sim.drop();
      await until(() => errors.some((e) => e.kind === 'auth'), { what: 'auth error' });
      expect(el.state).to.equal('closed');
      expect(errors.find((e) => e.kind === 'auth')!.message).to.not.contain('wrong');
    } finally {
      Object.assign(console, original);
      await sim.close();
    }
  });
});

/** Every node under `root`, comments and text included, and those of every shadow root inside, recursively. */
function countAllNodes(root: Node): number {
  let n = 0;
  const walk = (start: Node): void => {
    const walker = document.createTreeWalker(start, NodeFilter.SHOW_ALL);
    for (let node: Node | null = walker.currentNode; node; node = walker.nextNode()) {
      n++;
      const shadow = (node as Element).shadowRoot;
      if (shadow) walk(shadow);
    }
  };
  walk(root);
  return n;
}

/** JS heap after forced garbage collection (Chromium with --expose-gc and precise memory info). */
async function heapAfterGc(): Promise<number> {
  const gc = (window as unknown as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(30);
  }
  return (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN;
}

const DASHBOARD = (url: string) =>
  html` <div>
    <kimi-realtime url=${url} session-id="1" no-hydrate>
      <kimi-context-gauge></kimi-context-gauge>
      <kimi-metric-chart></kimi-metric-chart>
      <kimi-alert-feed></kimi-alert-feed>
      <kimi-connection-status></kimi-connection-status>
    </kimi-realtime>
  </div>`;

/** Waits for a frame and for every dashboard element's render. */
async function rendered(root: Element): Promise<void> {
  await new Promise((r) => requestAnimationFrame(r));
  await Promise.all(
    [...root.querySelectorAll('kimi-context-gauge, kimi-metric-chart, kimi-alert-feed, kimi-connection-status')].map(
      (e) => (e as unknown as { updateComplete: Promise<unknown> }).updateComplete,
    ),
  );
}

/**
 * Message `i` of a realistic mix for session 1 (and some of session 2, filtered): usage with alerts of
 * every level and distinct texts (so the feed keeps taking new rows), log readings, errors, compactions,
 * global messages.
 */
function mixed(i: number): object {
  const pct = 5 + (i % 91);
  const tokens = Math.round((pct / 100) * 262144);
  switch (i % 8) {
    case 0:
    case 1:
    case 2:
      return {
        type: 'metric_updated',
        metric_id: i,
        session_id: 1,
        real_tokens: { total: tokens, prompt: tokens - 100, completion: 100, percentage: pct },
        cumulative_tokens: tokens,
        cumulative_percentage: pct,
        source: 'proxy',
        alert:
          pct >= 80
            ? { level: pct >= 95 ? 'critical' : pct >= 90 ? 'warning' : 'caution', color: '#ef4444', message: `Context ${pct} % (request ${i})` }
            : null,
      };
    case 3:
      return metric(2, i);
    case 4:
      return {
        type: 'log_metric',
        source: 'continue_logs',
        source_family: 'continue_logs',
        source_label: 'Logs Continue',
        session_id: 1,
        metrics: {
          prompt_tokens: tokens,
          completion_tokens: 50,
          tools_tokens: 0,
          system_message_tokens: 0,
          total_tokens: tokens + 50,
          context_length: 262144,
          max_context: 262144,
          percentage: pct,
        },
        timestamp: '2026-05-07T09:06:05.402117',
      };
    case 5:
      return {
        type: 'streaming_error',
        session_id: 1,
        metric_id: i,
        error_type: 'read_error',
        error_message: `Connexion interrompue (${i})`,
        timestamp: '2026-05-07T09:06:04.918273',
      };
    case 6:
      return {
        type: 'compaction_event',
        session_id: 1,
        compaction: {
          compacted: true,
          original_tokens: 4180 + i,
          compacted_tokens: 1312,
          tokens_saved: 2868 + i,
          compaction_ratio: 68.6,
          trigger_reason: 'auto',
        },
      };
    default:
      return { type: 'cline_usage_updated', latest_ts: i, latest_count: i, imported_count: 0, timestamp: '2026-05-07T09:30:00' };
  }
}

describe('hardening: a million messages with the dashboard mounted', function () {
  const total = STRESS ? 1_000_000 : 40_000;
  this.timeout(STRESS ? 1_200_000 : 120_000);
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it(`${total.toLocaleString('en')} messages: shadow DOM nodes (comments included) ${STRESS ? 'and heap after GC ' : ''}stop growing after the first half`, async function () {
    const root = await fixture<HTMLDivElement>(DASHBOARD(sim.url));
    const source = root.querySelector('kimi-realtime')!;
    await until(() => source.state === 'open', { what: 'open' });
    // The connection status draws its rate chart once two seconds are sampled: a part that appears
    // once, with time, not with messages (a fast engine handles the first half within two seconds).
    await until(() => (source.stats.connection?.frameRates.length ?? 0) >= 2, { timeout: 5000, what: 'two seconds of rate samples' });
    const step = total / 10;
    const batch = 2000;
    const base = source.stats.framesReceived;
    const checkpoints: { at: number; nodes: number; heap: number; ms: number; parts: string }[] = [];
    const parts = () => [source, ...source.children].map((el) => `${el.localName} ${countAllNodes(el)}`).join(', ');
    const started = performance.now();
    let pending: Promise<unknown> = Promise.resolve();
    for (let sent = 0; sent < total;) {
      const frames = Array.from({ length: batch }, (_, k) => mixed(sent + k));
      // One batch in flight while the next is built: the socket never holds more than two.
      await pending;
      pending = sim.push(...frames);
      sent += batch;
      await until(() => source.stats.framesReceived >= base + sent - batch, { timeout: 60_000, interval: 5, what: `${sent - batch} frames` });
      if (sent % step === 0) {
        await pending;
        await until(() => source.stats.framesReceived === base + sent, { timeout: 60_000, interval: 5, what: `${sent} frames` });
        await rendered(root);
        checkpoints.push({ at: sent, nodes: countAllNodes(root), heap: await heapAfterGc(), ms: performance.now() - started, parts: parts() });
      }
    }
    const table = checkpoints
      .map((c) => `${c.at / 1000}k: ${c.nodes} nodes, heap ${(c.heap / 1048576).toFixed(2)} MB, ${(c.ms / 1000).toFixed(0)} s`)
      .join('; ');
    console.warn(`[measured] ${total.toLocaleString('en')} messages with the dashboard: ${table}`);
    const half = checkpoints[4]!;
    const last = checkpoints.at(-1)!;
    const s = source.stats;
    expect(s.framesReceived - base).to.equal(total);
    expect(s.delivered + s.filtered + s.malformed).to.equal(s.framesReceived);
    expect(
      checkpoints.slice(4).map((c) => c.nodes),
      `nodes from the half on (per element: ${checkpoints
        .slice(4)
        .map((c) => `${c.at / 1000}k: ${c.parts}`)
        .join('; ')})`,
    ).to.deep.equal(checkpoints.slice(4).map(() => half.nodes));
    expect(source.state).to.equal('open');
    if (STRESS && Number.isNaN(last.heap))
      skipBecause(this, 'the nodes stopped growing as asserted, but the heap cannot be measured here (no performance.memory or gc())');
    if (STRESS) expect(last.heap - half.heap, 'heap added by the last half, after GC (bytes)').to.be.below(0.1 * 1048576);
  });
});

/** Every leaf of a message (strings, numbers, booleans, null), as a path of keys and indexes. */
function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, Array.isArray(value) ? Number(k) : k]));
  }
  return [path];
}

/** A copy of `message` with `value` at `path`, and every session reference on session 1 (so it is shown). */
function withLeaf(message: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(message);
  if ('session_id' in copy && copy.session_id !== null) copy.session_id = 1;
  if (copy.session && typeof copy.session === 'object') (copy.session as Record<string, unknown>).id = 1;
  if (Array.isArray(copy.session_ids)) copy.session_ids = [1];
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1)!] = value;
  return copy;
}

describe('hardening: what is kept from large frames', function () {
  this.timeout(120_000);
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('ten usage frames of 5 MB: the readings kept by the element and the dashboard keep a compact copy, not the megabytes', async function () {
    const root = await fixture<HTMLDivElement>(DASHBOARD(sim.url));
    const source = root.querySelector('kimi-realtime')!;
    await until(() => source.state === 'open', { what: 'open' });
    const before = await heapAfterGc();
    const expand = { marker: '@@HOSTILE@@', text: 'W', times: 5 << 20 };
    const frames = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify(
        i % 2
          ? metric(1, 100 + i, {
              cumulative_tokens: 238_551,
              cumulative_percentage: 91,
              real_tokens: { total: 9, prompt: 9, completion: 0, percentage: 91 },
              alert: { level: 'warning', color: '#f97316', message: `${i}:${expand.marker}` },
              padding: `${i}:${expand.marker}`,
            })
          : {
              type: 'log_metric',
              source: 'continue_logs',
              source_family: 'continue_logs',
              source_label: `${i}:${expand.marker}`,
              session_id: 1,
              metrics: { total_tokens: 1000 + i, context_length: 131072, percentage: 1 },
              timestamp: '2026-05-07T09:06:05.402117',
            },
      ),
    );
    const base = source.stats.framesReceived;
    for (const frame of frames) await sim.pushExpanded(expand, frame);
    await until(() => source.stats.framesReceived === base + frames.length, { timeout: 60_000, what: 'the large frames' });
    await rendered(root);
    const kept = (source as unknown as { readings: { message: unknown }[] }).readings;
    expect(kept.length, 'readings kept').to.equal(frames.length);
    expect(Math.max(...kept.map((r) => JSON.stringify(r.message).length)), 'largest kept message').to.be.below(2000);
    const growth = (await heapAfterGc()) - before;
    if (Number.isNaN(growth)) skipBecause(this, 'the kept copies are small as asserted, but the heap cannot be measured here (no performance.memory or gc())');
    console.warn(`[measured] 10 usage frames of 5 MB: heap +${(growth / 1048576).toFixed(2)} MB after GC with the dashboard mounted`);
    expect(growth, 'heap kept after GC (bytes)').to.be.below(5 * 1048576);
  });
});

describe('hardening: hostile strings in every field of every message type', function () {
  this.timeout(STRESS ? 3_600_000 : 120_000);
  const sizes = STRESS ? [1 << 20, 10 << 20] : [1 << 16];
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  for (const size of sizes) {
    const label = size >= 1 << 20 ? `${size >> 20} MB` : `${size >> 10} KB`;
    it(`a ${label} unbroken string in each leaf field of each fixture message: the element handles it and renders the next frame within 1 s`, async () => {
      const { messages } = await (await import('./helpers/fixtures.js')).loadFixtures();
      const root = await fixture<HTMLDivElement>(DASHBOARD(sim.url));
      const source = root.querySelector('kimi-realtime')!;
      await until(() => source.state === 'open', { what: 'open' });
      const pageErrors: string[] = [];
      const onError = (e: ErrorEvent) => pageErrors.push(e.message);
      window.addEventListener('error', onError);
      // The simulator builds each hostile string itself (`expand`): only the socket carries megabytes.
      const expand = { marker: '@@HOSTILE@@', text: 'W', times: size };
      // Frames come through the real socket, which parses each once and hands it to the element's
      // session stream (`receive`, with its size in bytes): the element's frame path is timed there. "Handled"
      // is the element's own time: the hostile frame's receive, then from the next frame's receive to its
      // render. The browser's own wait between the two frames (it hands over the next one only after
      // disposing of 10 MB) and the whole trip are measured and reported apart.
      const router = (source as unknown as { stream: { receive(parsed: unknown, bytes: number): void } }).stream;
      const take = router.receive;
      let hostileIn: number;
      let hostileOut = 0;
      let nextIn = 0;
      router.receive = function (this: unknown, parsed: unknown, bytes: number) {
        const hostile = bytes >= size;
        const start = performance.now();
        take.call(this, parsed, bytes);
        if (hostile) [hostileIn, hostileOut] = [start, performance.now()];
        else nextIn = start;
      };
      const times: number[] = [];
      const arrivals: number[] = [];
      const trips: number[] = [];
      let worst = { ms: 0, where: '' };
      let n = 0;
      try {
        for (const message of messages) {
          for (const path of leafPaths(message)) {
            const id = 5_000_000 + ++n;
            // Distinct starts, so no two feed rows fold into one.
            const hostile = JSON.stringify(withLeaf(message, path, `${n}:${expand.marker}`));
            const next = metric(1, id, {
              cumulative_tokens: Math.round(((10 + (n % 80)) / 100) * 262_144),
              cumulative_percentage: 10 + (n % 80),
              real_tokens: { total: 100, prompt: 90, completion: 10, percentage: 10 + (n % 80) },
            });
            const seen = new Promise<void>((resolve) => {
              const listener = (e: Event) => {
                if ((e as CustomEvent).detail.metric_id !== id) return;
                source.removeEventListener('kimi:metric_updated', listener);
                resolve();
              };
              source.addEventListener('kimi:metric_updated', listener);
            });
            const pushedAt = performance.now();
            hostileIn = 0;
            await sim.pushExpanded(expand, hostile, JSON.stringify(next));
            await Promise.race([
              seen,
              sleep(20_000).then(() => {
                throw new Error(`the frame after ${message.type}.${path.join('.')} never came`);
              }),
            ]);
            await rendered(root);
            const done = performance.now();
            expect(hostileIn, 'the hostile frame came through the socket').to.be.above(0);
            const ms = hostileOut - hostileIn + (done - nextIn);
            times.push(ms);
            arrivals.push(done - hostileIn);
            trips.push(done - pushedAt);
            if (ms > worst.ms) worst = { ms, where: `${String(message.type)}.${path.join('.')}` };
          }
        }
      } finally {
        window.removeEventListener('error', onError);
        router.receive = take;
      }
      const stats = (values: number[]) => {
        const v = [...values].sort((a, b) => a - b);
        return `median ${v[v.length >> 1]!.toFixed(0)} ms, p95 ${v[Math.floor(v.length * 0.95)]!.toFixed(0)} ms, worst ${v.at(-1)!.toFixed(0)} ms`;
      };
      console.warn(
        `[measured] ${label} in each of ${times.length} leaf fields of ${messages.length} fixture messages: element's time (hostile frame handled, next frame handled and rendered) ${stats(times)} (worst: ${worst.where}); from the hostile frame's arrival to the next frame rendered ${stats(arrivals)}; from the push request ${stats(trips)}; ${countAllNodes(root)} nodes`,
      );
      expect(pageErrors).to.deep.equal([]);
      expect(worst.ms, `slowest: ${worst.where}`).to.be.below(1000);
      expect(source.state).to.equal('open');
      const s = source.stats;
      expect(s.delivered + s.filtered + s.malformed).to.equal(s.framesReceived);
    });
  }
});
