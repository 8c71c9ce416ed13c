import { expect, fixture, html, nextFrame } from '@open-wc/testing';
import '../../src/define.js';
import { deliver } from './helpers/frames.js';
import { KimiConnectionStatus } from '../../src/components/connection-status/kimi-connection-status.js';
import { countdownText, sameStats, secondsToRetry } from '../../src/components/connection-status/status-text.js';
import { KimiStatusEvent } from '../../src/events/kimi-status-event.js';
import type { KimiRealtime, KimiRealtimeStats, KimiStatusDetail } from '../../src/index.js';
import { Sim, sleep, until } from './helpers/simulator.js';
import { RENDERS } from '../../src/components/shared/dashboard-element.js';
import { setColorScheme, useColorScheme } from './helpers/browser.js';

KimiConnectionStatus.define();

const status = (detail: Partial<KimiStatusDetail>): KimiStatusEvent =>
  new KimiStatusEvent({ state: 'open', attempt: 0, nextRetryAt: null, closeCode: null, closeReason: '', ...detail });

const STATS: KimiRealtimeStats = {
  framesReceived: 1234,
  delivered: 1200,
  filtered: 30,
  malformed: 4,
  bytesIn: 99_000,
  reconnects: 2,
  lastCloseCode: 1006,
  lastCloseReason: 'gone',
  queueDepth: 3,
  connectedSince: null,
  connection: null,
};

async function mount(attrs = ''): Promise<{ source: KimiRealtime; status: KimiConnectionStatus }> {
  const source = await fixture<KimiRealtime>(html`<kimi-realtime manual><kimi-connection-status></kimi-connection-status></kimi-realtime>`);
  const el = source.querySelector('kimi-connection-status')!;
  if (attrs) for (const [name, value] of new URLSearchParams(attrs)) el.setAttribute(name, value);
  await settle(el);
  return { source, status: el };
}

async function settle(el: KimiConnectionStatus): Promise<void> {
  await nextFrame();
  await el.updateComplete;
}

const clean = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const part = (el: KimiConnectionStatus, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part="${name}"]`);
/** The badge as a sighted user reads it (the "Connection:" prefix is for screen readers). */
const badge = (el: KimiConnectionStatus) => clean(part(el, 'badge')?.textContent).replace(/^Connection: /, '');
const stat = (el: KimiConnectionStatus, label: string): string => {
  const dt = [...el.shadowRoot!.querySelectorAll('dt')].find((d) => clean(d.textContent) === label);
  return clean(dt?.nextElementSibling?.textContent);
};

/** Replaces `source.stats` with a getter the test controls, counting reads. */
function fakeStats(source: KimiRealtime, initial: KimiRealtimeStats) {
  const box = { value: initial, reads: 0 };
  Object.defineProperty(source, 'stats', {
    configurable: true,
    get: () => {
      box.reads++;
      return { ...box.value };
    },
  });
  return box;
}

describe('connection status text', () => {
  it('counts down in whole seconds, rounding up', () => {
    expect(secondsToRetry({ nextRetryAt: 10_000 }, 6_001)).to.equal(4);
    expect(secondsToRetry({ nextRetryAt: 10_000 }, 6_000)).to.equal(4);
    expect(secondsToRetry({ nextRetryAt: 10_000 }, 12_000)).to.equal(0);
    expect(secondsToRetry({ nextRetryAt: null })).to.equal(null);
    const s = { state: 'reconnecting', attempt: 2, nextRetryAt: 10_000, closeCode: 1006, closeReason: '' } as const;
    expect(countdownText(s, 6_500)).to.equal('retry 2 in 4 s');
    expect(countdownText(s, 10_200)).to.equal('retry 2 now');
    expect(countdownText({ ...s, nextRetryAt: null }, 0)).to.equal('');
    expect(sameStats(STATS, { ...STATS })).to.equal(true);
    expect(sameStats(STATS, { ...STATS, delivered: 1201 })).to.equal(false);
  });
});

describe('<kimi-connection-status>', () => {
  afterEach(async () => {
    await setColorScheme('light');
  });

  it('shows the source state as a badge with words, a custom state, and follows kimi:status', async () => {
    const { source, status: el } = await mount();
    expect(badge(el)).to.equal('Disconnected');
    expect(part(el, 'badge')!.dataset.state).to.equal('closed');
    expect(el.matches(':state(closed)')).to.equal(true);
    const colour = () => getComputedStyle(part(el, 'badge')!).color;
    const closedColour = colour();
    source.dispatchEvent(status({ state: 'connecting' }));
    await settle(el);
    expect(badge(el)).to.equal('Connecting');
    source.dispatchEvent(status({ state: 'open' }));
    await settle(el);
    expect(badge(el)).to.equal('Connected');
    expect(el.matches(':state(open)')).to.equal(true);
    expect(el.matches(':state(closed)')).to.equal(false);
    expect(colour()).to.not.equal(closedColour);
    expect(part(el, 'countdown')).to.equal(null);
    source.dispatchEvent(status({ state: 'offline' }));
    await settle(el);
    expect(badge(el)).to.equal('Offline');
    expect(part(el, 'badge')!.getAttribute('role')).to.equal('status');
  });

  it('counts down to the next retry once per second, and stops when the retry starts', async () => {
    const { source, status: el } = await mount();
    source.dispatchEvent(status({ state: 'reconnecting', attempt: 2, nextRetryAt: Date.now() + 3900, closeCode: 1006 }));
    await settle(el);
    expect(badge(el)).to.equal('Reconnecting');
    expect(clean(part(el, 'countdown')!.textContent)).to.equal('retry 2 in 4 s');
    await until(() => clean(part(el, 'countdown')?.textContent) === 'retry 2 in 3 s', { timeout: 1500, what: 'tick to 3 s' });
    await until(() => clean(part(el, 'countdown')?.textContent) === 'retry 2 in 2 s', { timeout: 1500, what: 'tick to 2 s' });
    const renders = el[RENDERS];
    await sleep(500);
    expect(el[RENDERS] - renders, 'about one render per second, not per frame').to.be.at.most(1);
    source.dispatchEvent(status({ state: 'connecting', attempt: 2 }));
    await settle(el);
    expect(part(el, 'countdown')).to.equal(null);
    const after = el[RENDERS];
    await sleep(1300);
    expect(el[RENDERS], 'no ticking without a pending retry').to.equal(after);
  });

  it('shows the counters from source.stats, polled without rendering per message', async () => {
    const { source, status: el } = await mount();
    const stats = fakeStats(source, STATS);
    source.dispatchEvent(status({ state: 'open' }));
    await settle(el);
    expect(stat(el, 'Received')).to.equal('1,234');
    expect(stat(el, 'Delivered')).to.equal('1,200');
    expect(stat(el, 'Filtered')).to.equal('30');
    expect(stat(el, 'Malformed')).to.equal('4');
    expect(stat(el, 'Reconnects')).to.equal('2');
    expect(stat(el, 'Queued')).to.equal('3');
    expect(stat(el, 'Last close')).to.equal('1006 gone');
    expect(stat(el, 'Connected since')).to.equal('—');
    expect(part(el, 'stats')!.tagName).to.equal('DL');
    // Messages do not render it…
    const renders = el[RENDERS];
    for (let i = 0; i < 100; i++)
      deliver(source, { type: 'cline_usage_updated', latest_ts: i, latest_count: i, imported_count: 0, timestamp: '2026-05-07T09:30:00' });
    await sleep(1200);
    expect(el[RENDERS], 'unchanged stats cost no render').to.equal(renders);
    // …the poll picks changes up within about a second.
    const since = Date.now() - 5000;
    stats.value = { ...STATS, delivered: 1300, connectedSince: since };
    await until(() => stat(el, 'Delivered') === '1,300', { timeout: 1600, what: 'polled stats' });
    expect(el.shadowRoot!.querySelector('time')!.getAttribute('datetime')).to.equal(new Date(since).toISOString());
    expect(el[RENDERS] - renders).to.equal(1);
  });

  it('compact shows only the badge and polls nothing', async () => {
    const { source, status: el } = await mount('compact=');
    const stats = fakeStats(source, STATS);
    source.dispatchEvent(status({ state: 'reconnecting', attempt: 1, nextRetryAt: Date.now() + 5000 }));
    await settle(el);
    expect(badge(el)).to.equal('Reconnecting');
    expect(part(el, 'stats')).to.equal(null);
    expect(part(el, 'countdown')).to.equal(null);
    const reads = stats.reads;
    await sleep(1200);
    expect(stats.reads).to.equal(reads);
    el.compact = false;
    await settle(el);
    expect(part(el, 'stats')).to.not.equal(null);
    expect(clean(part(el, 'countdown')!.textContent)).to.match(/^retry 1 in [34] s$/);
  });

  it('leaves no timer running after removal', async () => {
    const { source, status: el } = await mount();
    const stats = fakeStats(source, STATS);
    source.dispatchEvent(status({ state: 'reconnecting', attempt: 1, nextRetryAt: Date.now() + 8000 }));
    await settle(el);
    await until(() => stats.reads > 1, { timeout: 1600, what: 'a poll' });
    let n = 0;
    // Every read now differs, so a surviving poll would render.
    Object.defineProperty(source, 'stats', {
      configurable: true,
      get: () => {
        stats.reads++;
        return { ...STATS, delivered: ++n };
      },
    });
    el.remove();
    await settle(el);
    const reads = stats.reads;
    const renders = el[RENDERS];
    await sleep(1500);
    expect(stats.reads, 'stats not polled').to.equal(reads);
    expect(el[RENDERS], 'countdown not ticking').to.equal(renders);
  });

  it('is accessible in light and dark schemes', async function () {
    const { source, status: el } = await mount();
    fakeStats(source, { ...STATS, connectedSince: Date.now() });
    source.dispatchEvent(status({ state: 'reconnecting', attempt: 1, nextRetryAt: Date.now() + 5000 }));
    await settle(el);
    await expect(el).to.be.accessible();
    await useColorScheme(this, 'dark');
    for (const state of ['open', 'connecting', 'offline', 'closed'] as const) {
      source.dispatchEvent(status({ state }));
      await settle(el);
      await expect(el).to.be.accessible();
    }
  });

  it('follows a real connection to the simulator through a drop and a retry', async () => {
    const sim = await Sim.create({ sessions: [1], activeSession: 1 });
    try {
      const source = await fixture<KimiRealtime>(
        html`<kimi-realtime url=${sim.url} session-id="1" reconnect-delay="2500" reconnect-jitter="0"
          ><kimi-connection-status></kimi-connection-status
        ></kimi-realtime>`,
      );
      const el = source.querySelector('kimi-connection-status')!;
      await until(() => badge(el) === 'Connected', { what: 'Connected' });
      const before = source.stats.framesReceived;
      await sim.push({ type: 'cline_usage_updated', latest_ts: 1, latest_count: 1, imported_count: 0, timestamp: '2026-05-07T09:30:00' });
      await until(() => source.stats.framesReceived > before, { what: 'frame received' });
      // The display catches up with the live counter within about a second.
      await until(() => stat(el, 'Received') === new Intl.NumberFormat().format(source.stats.framesReceived), { timeout: 2500, what: 'received counter' });
      expect(stat(el, 'Connected since')).to.not.equal('—');
      await sim.drop();
      await until(() => badge(el) === 'Reconnecting', { what: 'Reconnecting' });
      expect(clean(part(el, 'countdown')?.textContent)).to.match(/^retry 1 in [23] s$/);
      await until(() => badge(el) === 'Connected', { timeout: 6000, what: 'Connected again' });
      expect(part(el, 'countdown')).to.equal(null);
      await until(() => stat(el, 'Reconnects') === '1', { timeout: 2500, what: 'reconnects 1' });
      expect(stat(el, 'Last close')).to.match(/^1006/);
      expect(el.matches(':state(open)')).to.equal(true);
    } finally {
      await sim.close();
    }
  });
});
