// Registration under other tags (`define(tag)` after define.js) and the script-tag global `KimiRealtime`.
import { expect } from '@open-wc/testing';
import '../../src/define.js';
import { KimiRealtime, KimiContextGauge, KimiMetricChart, KimiAlertFeed, KimiConnectionStatus } from '../../src/index.js';
import { Sim, until } from './helpers/simulator.js';
import { metric } from './helpers/frames.js';

type Realtime = HTMLElement & { state: string; stats: { delivered: number } };

describe('define(tag) after define.js registered the default tags', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it("every element registers again under a tag of the page's choice, and works there", async () => {
    expect(() => {
      KimiRealtime.define('my-realtime');
      KimiContextGauge.define('my-gauge');
      KimiMetricChart.define('my-chart');
      KimiAlertFeed.define('my-feed');
      KimiConnectionStatus.define('my-status');
    }).not.to.throw();
    for (const tag of ['kimi-realtime', 'kimi-context-gauge', 'kimi-metric-chart', 'kimi-alert-feed', 'kimi-connection-status'])
      expect(customElements.get(tag), `${tag} still defined`).to.exist;
    for (const [tag, cls] of [
      ['my-realtime', KimiRealtime],
      ['my-gauge', KimiContextGauge],
      ['my-chart', KimiMetricChart],
      ['my-feed', KimiAlertFeed],
      ['my-status', KimiConnectionStatus],
    ] as const) {
      const ctor = customElements.get(tag);
      expect(ctor, tag).to.exist;
      expect(ctor!.prototype, `${tag} is a ${cls.name}`).to.be.instanceOf(cls);
    }
    const host = document.createElement('div');
    host.innerHTML = `<my-realtime url="${sim.url}" session-id="1"><my-gauge></my-gauge><my-status compact></my-status></my-realtime>`;
    document.body.append(host);
    const el = host.querySelector('my-realtime') as Realtime;
    expect(el).to.be.instanceOf(KimiRealtime);
    await until(() => el.state === 'open', { what: 'my-realtime open' });
    const seen: number[] = [];
    el.addEventListener('kimi:metric_updated', (e) => seen.push(e.detail.metric_id));
    await sim.push(
      metric(1, 1, { cumulative_percentage: 42, cumulative_tokens: 42_000 }),
      metric(2, 2),
      metric(1, 3, { cumulative_percentage: 43, cumulative_tokens: 43_000 }),
    );
    await until(() => seen.length === 2, { what: 'two events' });
    expect(seen).to.deep.equal([1, 3]);
    const gauge = host.querySelector('my-gauge') as KimiContextGauge;
    await until(() => gauge.latest?.percentage === 43, { what: 'the gauge under its own tag reads its source' });
    const status = host.querySelector('my-status') as KimiConnectionStatus;
    await until(() => (status.shadowRoot?.textContent ?? '').trim().length > 0, { what: 'the status badge under its own tag rendered' });
    host.remove();
  });

  it('defining the same tag again is quiet; a tag taken by another class warns and keeps it', async () => {
    const warned: unknown[][] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      warned.push(args);
    };
    try {
      KimiRealtime.define();
      KimiRealtime.define('my-realtime');
      KimiRealtime.define('my-realtime');
      expect(warned).to.deep.equal([]);
      customElements.define('taken-tag', class extends HTMLElement {});
      KimiRealtime.define('taken-tag');
      expect(warned.length).to.equal(1);
      expect(String(warned[0]![0])).to.match(/already defined/);
    } finally {
      console.warn = warn;
    }
  });

  it("an invalid tag still throws the browser's own error", () => {
    expect(() => KimiRealtime.define('nohyphen')).to.throw(DOMException);
  });
});

/** Loads a page into an iframe and waits for it. */
async function page(body: string): Promise<{ win: Window & Record<string, any>; frame: HTMLIFrameElement }> {
  const frame = document.createElement('iframe');
  frame.srcdoc = `<!doctype html><html><head></head><body>${body}</body></html>`;
  const loaded = new Promise((r) => frame.addEventListener('load', r, { once: true }));
  document.body.append(frame);
  await loaded;
  return { win: frame.contentWindow as Window & Record<string, any>, frame };
}

describe('script-tag bundles: the global KimiRealtime', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('the full IIFE exposes the classes, define(tag) and parseKimiTimestamp; define works after the bundle registered', async () => {
    const { win, frame } = await page(`<script src="/dist/cdn/kimi-realtime.iife.js"></script>
<script>
  window.result = {
    keys: Object.keys(window.KimiRealtime).sort(),
    parsed: window.KimiRealtime.parseKimiTimestamp('2026-05-07 07:05:58'),
  };
  window.KimiRealtime.define('page-realtime');
  window.KimiRealtime.KimiContextGauge.define('page-gauge');
</script>
<page-realtime url="${sim.url}" session-id="1"><page-gauge></page-gauge></page-realtime>`);
    const result = win.result as { keys: string[]; parsed: number };
    for (const name of [
      'KimiRealtime',
      'KimiContextGauge',
      'KimiMetricChart',
      'KimiAlertFeed',
      'KimiConnectionStatus',
      'KimiMessageEvent',
      'KimiStatusEvent',
      'KimiErrorEvent',
      'define',
      'parseKimiTimestamp',
    ]) {
      expect(result.keys, name).to.include(name);
    }
    expect(result.parsed).to.equal(Date.UTC(2026, 4, 7, 7, 5, 58));
    expect(win.customElements.get('kimi-realtime'), 'define.js still registered the default tag').to.exist;
    const el = win.document.querySelector('page-realtime') as Realtime;
    expect(el).to.be.instanceOf(win.KimiRealtime.KimiRealtime);
    await until(() => el.state === 'open', { what: 'page-realtime open' });
    await sim.push(metric(1, 5, { cumulative_percentage: 12, cumulative_tokens: 12_000 }));
    const gauge = win.document.querySelector('page-gauge') as KimiContextGauge;
    await until(() => gauge.latest?.percentage === 12, { what: 'page-gauge reading' });
    frame.remove();
  });

  it('the core IIFE exposes KimiRealtime, its events and define(tag)', async () => {
    const { win, frame } = await page(`<script src="/dist/cdn/kimi-realtime-core.iife.js"></script>
<script>window.KimiRealtime.define('core-realtime');</script>
<core-realtime url="${sim.url}"></core-realtime>`);
    const ns = win.KimiRealtime as Record<string, unknown>;
    for (const name of ['KimiRealtime', 'KimiMessageEvent', 'KimiStatusEvent', 'KimiErrorEvent', 'define']) expect(ns[name], name).to.exist;
    const el = win.document.querySelector('core-realtime') as Realtime;
    await until(() => el.state === 'open', { what: 'core-realtime open' });
    frame.remove();
  });
});
