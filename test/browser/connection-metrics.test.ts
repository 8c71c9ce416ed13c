// Connection metrics: stats.connection, exact UTF-8 byte counts, kimi:stats, and <kimi-connection-status> showing them.
import { expect, fixture, html, nextFrame } from '@open-wc/testing';
import { Sim, until, sleep } from './helpers/simulator.js';
import { mountRealtime, record } from './helpers/element.js';
import { metric } from './helpers/frames.js';
import { loadFixtures } from './helpers/fixtures.js';
import { utf8Length } from '../../src/connection/connection-metrics.js';
import type { KimiRealtime, KimiRealtimeStats } from '../../src/index.js';

const encoder = new TextEncoder();

/** The extensions this browser negotiates with a server, from a bare WebSocket of its own. */
async function negotiated(url: string): Promise<string> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  const extensions = ws.extensions;
  ws.close();
  return extensions;
}

describe('connection metrics', function () {
  this.timeout(20_000);
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create({ pingReply: true });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('utf8Length equals TextEncoder on ASCII, accents, 3-byte, astral, long text and every fixture frame', async () => {
    const samples = ['', 'abc', 'é', '€', '🗜️', 'Ünïcødé ⚠️ 🗜️ \u2028 \u0000 RTL \u202E', 'a'.repeat(1000) + '😀'.repeat(10), '\uffff\u0800\u07ff\u0080\u007f'];
    // Past the reused buffer (64 Ki units): encoded once.
    samples.push('x'.repeat(70_000) + 'é€😀', 'é'.repeat(40_000) + '😀'.repeat(20_000) + '€', 'a'.repeat(65_536), 'é'.repeat(65_536));
    const { messages, edge_cases } = await loadFixtures();
    samples.push(...messages.map((m) => JSON.stringify(m)), ...edge_cases.map((e) => e.frame));
    for (const text of samples) expect(utf8Length(text), JSON.stringify(text).slice(0, 40)).to.equal(encoder.encode(text).length);
  });

  it('stats.bytesIn is the exact UTF-8 size of the frames, and the socket counts them once for all its elements', async () => {
    const a = await mountRealtime({ url: sim.url });
    const b = await mountRealtime({ url: sim.url });
    const frames = [
      JSON.stringify(metric(1, 1, { alert: { level: 'critical', color: '#ef4444', message: '⚠️ CONTEXTE CRITIQUE (95%)' } })),
      JSON.stringify({ type: 'log_metric', source_label: 'Continue · CompileChat 🗜️ é', session_id: 1 }),
      '{"type":"cline_usage_updated","latest_ts":1}',
    ];
    const before = [a.stats.bytesIn, b.stats.bytesIn];
    await sim.push(...frames);
    await until(() => a.stats.framesReceived >= 3 && b.stats.framesReceived >= 3);
    const bytes = frames.reduce((n, f) => n + encoder.encode(f).length, 0);
    expect(bytes, 'non-ASCII makes bytes differ from UTF-16 length').to.not.equal(frames.reduce((n, f) => n + f.length, 0));
    expect([a.stats.bytesIn - before[0]!, b.stats.bytesIn - before[1]!]).to.deep.equal([bytes, bytes]);
    expect(a.stats.connection!.bytes).to.equal(a.stats.bytesIn);
    expect(a.stats.connection!.frames).to.equal(a.stats.framesReceived);
  });

  it('handshake, first frame, rates over a sliding window, uptime, round trip, drops with downtime, sharing', async () => {
    const el = await mountRealtime({ url: sim.url, 'ping-interval': 100, 'reconnect-delay': 200, 'reconnect-jitter': 0 });
    const other = await mountRealtime({ url: sim.url });
    await sim.push(...Array.from({ length: 30 }, (_, k) => metric(1, k)));
    await until(() => el.stats.connection!.rttMs !== null, { what: 'a round trip' });
    await sleep(1200);
    const extensions = await negotiated(sim.url);
    // Everything below reads the two elements in one task: pongs keep coming (ping-interval 100).
    let m = el.stats.connection!;
    expect(m.handshakeMs).to.be.a('number').and.at.least(0).and.below(4000);
    expect(m.firstFrameMs, 'a pong or a metric came').to.be.a('number').and.at.least(0);
    expect(m.rttMs).to.be.within(0, 1000);
    expect(m.framesPerSecond).to.be.above(0);
    expect(m.bytesPerSecond).to.be.above(m.framesPerSecond);
    expect(
      m.frameRates.reduce((x, y) => x + y, 0),
      'frames in the whole seconds sampled',
    ).to.be.at.least(30);
    expect(m.uptimeRatio).to.be.within(0.5, 1);
    // What this browser negotiates with the simulator (permessage-deflate, like uvicorn, where the engine offers it).
    expect([m.extensions, m.protocol, m.sharedBy, m.heldBy]).to.deep.equal([extensions, '', 2, 'this-tab']);
    expect(m.reconnects).to.deep.equal([]);
    expect(other.stats.connection!.frames, 'one socket, the same figures').to.equal(m.frames);
    const droppedAt = Date.now();
    await sim.drop(4000);
    await until(() => el.stats.connection!.reconnects.length === 1);
    m = el.stats.connection!;
    expect(m.reconnects[0]).to.include({ code: 4000, downtimeMs: null });
    expect(m.reconnects[0]!.at).to.be.within(droppedAt - 50, droppedAt + 1000);
    await until(() => el.state === 'open');
    m = el.stats.connection!;
    expect(m.reconnects[0]!.downtimeMs).to.be.within(150, 2000);
    expect(m.uptimeRatio).to.be.below(1);
    el.remove();
    other.remove();
    await sleep(10);
    expect(el.stats.connection, 'not connected: no metrics').to.equal(null);
  });

  it('reports the negotiated subprotocol, and no extension from a server that offers no compression', async () => {
    const secured = await Sim.create({ auth: { token: 't', via: 'protocol' }, deflate: false });
    try {
      const el = document.createElement('kimi-realtime');
      el.url = secured.url;
      el.authVia = 'protocol';
      el.token = 't';
      el.noHydrate = true;
      await fixture(html`<div>${el}</div>`);
      await until(() => el.state === 'open');
      expect(el.stats.connection!.protocol).to.equal('kimi');
      expect(el.stats.connection!.extensions).to.equal('');
    } finally {
      await secured.close();
    }
  });

  it('kimi:stats: none without a listener on the element, then at most once a second; once and signal listeners stop it', async () => {
    const el = await mountRealtime({ url: sim.url });
    const onDocument = record<KimiRealtimeStats>(document, 'kimi:stats');
    await sleep(1300);
    expect(onDocument, 'nobody listens on the element').to.deep.equal([]);
    const times: number[] = [];
    const listener = () => times.push(performance.now());
    el.addEventListener('kimi:stats', listener);
    el.addEventListener('kimi:stats', listener); // the same listener twice counts once
    await sleep(3300);
    expect(times.length).to.be.within(2, 4);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).to.be.above(900);
    expect(onDocument.length, 'it bubbles').to.equal(times.length);
    expect(onDocument.at(-1)!.connection!.sharedBy).to.equal(1);
    el.removeEventListener('kimi:stats', listener);
    const stopped = onDocument.length;
    await sleep(1300);
    expect(onDocument.length, 'stopped with its last listener').to.equal(stopped);
    // A once listener: one event, then nothing.
    el.addEventListener('kimi:stats', () => {}, { once: true });
    await until(() => onDocument.length === stopped + 1, { timeout: 2000 });
    await sleep(1300);
    expect(onDocument.length).to.equal(stopped + 1);
    // A listener removed by its signal.
    const controller = new AbortController();
    el.addEventListener('kimi:stats', () => {}, { signal: controller.signal });
    await until(() => onDocument.length === stopped + 2, { timeout: 2000 });
    controller.abort();
    await sleep(1300);
    expect(onDocument.length).to.equal(stopped + 2);
  });
});

describe('<kimi-connection-status> metrics', function () {
  this.timeout(20_000);
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  const clean = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
  const stat = (el: Element, label: string): string => {
    const dt = [...el.shadowRoot!.querySelectorAll('dt')].find((d) => clean(d.textContent) === label);
    return clean(dt?.nextElementSibling?.textContent);
  };

  it('shows which tab holds the socket, the rates with a chart, the handshake, uptime and drops, accessibly', async () => {
    const root = await fixture<HTMLDivElement>(
      html` <div>
        <kimi-realtime url=${sim.url} no-hydrate reconnect-delay="200" reconnect-jitter="0"><kimi-connection-status></kimi-connection-status></kimi-realtime>
        <kimi-realtime url=${sim.url} no-hydrate></kimi-realtime>
      </div>`,
    );
    const source = root.querySelector('kimi-realtime') as KimiRealtime;
    const status = root.querySelector('kimi-connection-status')!;
    await until(() => source.state === 'open');
    for (let i = 0; i < 3; i++) {
      await sim.push(...Array.from({ length: 20 }, (_, k) => metric(1, i * 20 + k)));
      await sleep(500);
    }
    await until(() => stat(status, 'Held by') === 'this tab, shared by 2 elements', { timeout: 3000, what: 'held by' });
    await until(() => status.shadowRoot!.querySelector('[part="rate"]') !== null, { timeout: 3000, what: 'the rate chart' });
    const chart = status.shadowRoot!.querySelector('[part="rate"]')!;
    expect(chart.getAttribute('role')).to.equal('img');
    expect(chart.getAttribute('aria-label')).to.match(/^Frames per second over the last \d+ s: now \d+, peak \d+$/);
    expect(chart.querySelector('polyline')!.getAttribute('points')!.split(' ').length).to.be.at.least(2);
    expect(stat(status, 'Rate')).to.match(/frames\/s, [\d.]+ (B|KiB)\/s/);
    expect(stat(status, 'Handshake')).to.match(/^\d+ ms$/);
    expect(stat(status, 'Compression')).to.equal((await negotiated(sim.url)) || 'none');
    expect(stat(status, 'Last drops')).to.equal('—');
    await sim.drop();
    await until(() => source.state === 'open', { timeout: 5000 });
    await until(() => /1006, down [\d.]+ s$/.test(stat(status, 'Last drops')), { timeout: 3000, what: 'the drop listed' });
    await nextFrame();
    await expect(status).to.be.accessible();
  });

  it('a server that offers no compression: extensions "" and the status says none', async () => {
    const plain = await Sim.create({ deflate: false });
    try {
      const root = await fixture<HTMLDivElement>(
        html`<div>
          <kimi-realtime url=${plain.url} no-hydrate><kimi-connection-status></kimi-connection-status></kimi-realtime>
        </div>`,
      );
      const source = root.querySelector('kimi-realtime') as KimiRealtime;
      const status = root.querySelector('kimi-connection-status')!;
      await until(() => source.state === 'open');
      expect(source.stats.connection!.extensions).to.equal('');
      await until(() => stat(status, 'Compression') === 'none', { timeout: 3000, what: 'compression: none' });
    } finally {
      await plain.close();
    }
  });
});
