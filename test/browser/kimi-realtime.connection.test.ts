import { expect, fixture, html } from '@open-wc/testing';
import { Sim, until, sleep, nextTask } from './helpers/simulator.js';
import { mountRealtime, record } from './helpers/element.js';
import type { KimiStatusDetail, KimiErrorDetail } from '../../src/index.js';

const ping = (n: number) => ({ type: 'cline_usage_updated', latest_ts: n, latest_count: n, imported_count: 0, timestamp: '2026-05-07T09:30:00' });

describe('<kimi-realtime> connection', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('reports connecting → open as property, custom state and kimi:status', async () => {
    const el = document.createElement('kimi-realtime');
    el.url = sim.url;
    const statuses = record<KimiStatusDetail>(el, 'kimi:status');
    await fixture(html`<div>${el}</div>`);
    await until(() => el.state === 'open');
    expect(statuses.map((s) => s.state)).to.deep.equal(['connecting', 'open']);
    expect(el.matches(':state(open)')).to.equal(true);
    expect(el.stats.connectedSince).to.be.a('number');
  });

  it('defaults the URL to /ws on the page host', async () => {
    const el = document.createElement('kimi-realtime');
    el.manual = true;
    expect(el.resolvedUrl).to.equal(`ws://${location.host}/ws`);
    el.url = 'http://127.0.0.1:1/ws';
    expect(el.resolvedUrl).to.equal('ws://127.0.0.1:1/ws');
  });

  it('reconnects after a dropped connection, first retry after about reconnect-delay, and delivers again', async () => {
    const el = await mountRealtime({ url: sim.url, 'reconnect-delay': 300, 'reconnect-jitter': 0.2 });
    const statuses = record<KimiStatusDetail>(el, 'kimi:status');
    const seen = record(el, 'kimi:cline_usage_updated');
    const droppedAt = Date.now();
    await sim.drop();
    await until(() => statuses.some((s) => s.state === 'reconnecting' && s.nextRetryAt));
    const scheduled = statuses.find((s) => s.nextRetryAt)!;
    expect(scheduled.attempt).to.equal(1);
    expect(scheduled.nextRetryAt! - droppedAt).to.be.within(240 - 50, 360 + 100);
    expect(scheduled.closeCode).to.equal(1006);
    expect(el.matches(':state(reconnecting)')).to.equal(true);
    await until(() => el.state === 'open', { what: 'reopen' });
    expect(el.stats.reconnects).to.equal(1);
    expect(el.stats.lastCloseCode).to.equal(1006);
    await sim.push(ping(1));
    await until(() => seen.length === 1);
  });

  it('reconnects after a server restart and each frame after it reaches the listener once', async () => {
    const el = await mountRealtime({ url: sim.url, 'reconnect-delay': 100 });
    const seen = record(document, 'kimi:cline_usage_updated');
    await sim.restart(500);
    await until(() => el.state === 'open', { timeout: 8000, what: 'reopen after restart' });
    expect((await sim.state()).clientCount).to.equal(1);
    await sim.push(ping(1), ping(2));
    await until(() => seen.length >= 2);
    await sleep(50);
    expect(seen.map((m) => m.latest_ts)).to.deep.equal([1, 2]);
  });

  it('each failed attempt emits kimi:error kind connection with its close code; losing an open connection does not; open carries no close code', async () => {
    const el = await mountRealtime({ url: sim.url, 'reconnect-delay': 150, 'reconnect-jitter': 0, 'reconnect-growth': 1 });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    const statuses = record<KimiStatusDetail>(el, 'kimi:status');
    await sim.restart(1000);
    await until(() => el.state === 'open', { timeout: 5000, what: 'reopen' });
    const scheduled = statuses.filter((s) => s.nextRetryAt !== null);
    // One retry for the lost connection, then one per failed attempt.
    expect(errors.length, 'one error per failed attempt').to.equal(scheduled.length - 1);
    // At least one failed attempt while the server is down. Not two: Firefox spaces reconnects to a host
    // that keeps failing (network.websocket.delay-failed-reconnects, browser-wide), so after the earlier
    // tests' restarts it may try only once in the second the server is down.
    expect(errors.length).to.be.at.least(1);
    for (const e of errors) {
      expect(e).to.include({ kind: 'connection', closeCode: 1006 });
      expect(e.message).to.contain(`127.0.0.1:${sim.port}`);
    }
    expect(scheduled.every((s) => s.closeCode === 1006)).to.equal(true);
    const open = statuses.at(-1)!;
    expect([open.state, open.closeCode, open.closeReason]).to.deep.equal(['open', null, '']);
    expect(el.stats.lastCloseCode, 'the previous close stays in stats').to.equal(1006);
  });

  it('a connect timeout closes with its own code (4408 "connect timeout"), is reported and retried', async () => {
    await sim.hold(true);
    const el = await mountRealtime({ url: sim.url, 'connect-timeout': 300, 'reconnect-delay': 100, 'reconnect-jitter': 0 }, { waitOpen: false });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    const statuses = record<KimiStatusDetail>(el, 'kimi:status');
    await until(() => errors.length >= 1 && statuses.some((s) => s.nextRetryAt !== null), { timeout: 3000, what: 'a timed-out attempt' });
    expect(errors[0]).to.include({ kind: 'connection', closeCode: 4408 });
    expect(errors[0]!.message).to.contain('connect-timeout (300 ms)');
    const retry = statuses.find((s) => s.nextRetryAt !== null)!;
    expect([retry.state, retry.closeCode, retry.closeReason]).to.deep.equal(['reconnecting', 4408, 'connect timeout']);
    expect(el.stats.lastCloseCode).to.equal(4408);
    await sim.hold(false);
    await until(() => el.state === 'open', { timeout: 5000, what: 'open once the server answers' });
  });

  it('retry delays grow with attempts and stay within the cap', async () => {
    const el = await mountRealtime({ url: sim.url, 'reconnect-delay': 100, 'reconnect-delay-max': 400, 'reconnect-growth': 2, 'reconnect-jitter': 0 });
    // Each scheduled retry with the delay it announces (read when announced). How many retries fit in the
    // outage depends on how long the simulator takes to come back and on the jitter, so the test checks the
    // schedule itself: retry n waits between the floor (100 ms) and a ceiling growing 100, 200, 400 ms, then
    // capped at 400 ms ("full jitter" above a floor, backoff.ts; jitter 0 only removes the ±).
    const scheduled: { attempt: number; delay: number }[] = [];
    el.addEventListener('kimi:status', (e) => {
      if (e.detail.nextRetryAt) scheduled.push({ attempt: e.detail.attempt, delay: e.detail.nextRetryAt - Date.now() });
    });
    await sim.restart(1500);
    await until(() => el.state === 'open', { timeout: 8000 });
    expect(scheduled.slice(0, 3).map((s) => s.attempt)).to.deep.equal([1, 2, 3]);
    expect(scheduled.length).to.be.at.least(3);
    // Read a few ms after it was scheduled: up to 50 ms below the floor.
    scheduled.forEach(({ delay }, i) => expect(delay, `retry ${i + 1}`).to.be.within(50, Math.min(100 * 2 ** i, 400)));
  });

  it('retries at once when the browser comes back online', async () => {
    const el = await mountRealtime({ url: sim.url, 'reconnect-delay': 20000 });
    await sim.drop();
    await until(() => el.state === 'reconnecting');
    const start = Date.now();
    window.dispatchEvent(new Event('online'));
    await until(() => el.state === 'open', { timeout: 3000 });
    expect(Date.now() - start).to.be.below(2000);
  });

  it('manual: no connection until connect(); disconnect() closes and stops retrying', async () => {
    const el = await mountRealtime({ url: sim.url, manual: true }, { waitOpen: false });
    await sleep(200);
    expect(el.state).to.equal('closed');
    expect((await sim.state()).connectionsTotal).to.equal(0);
    el.connect();
    await until(() => el.state === 'open');
    el.disconnect();
    expect(el.state).to.equal('closed');
    expect(el.matches(':state(closed)')).to.equal(true);
    await until(async () => (await sim.state()).clientCount === 0);
    await sleep(300);
    expect((await sim.state()).connectionsTotal).to.equal(1);
  });

  it('changing url reconnects to the new address', async () => {
    const other = await Sim.create();
    try {
      const el = await mountRealtime({ url: sim.url });
      el.url = other.url;
      await until(async () => (await other.state()).clientCount === 1, { what: 'connection to the new url' });
      await until(async () => (await sim.state()).clientCount === 0);
      await until(() => el.state === 'open');
    } finally {
      await other.close();
    }
  });

  it('an auth close code stops retrying and says so', async () => {
    const secured = await Sim.create({ auth: { token: 'good', via: 'query' } });
    try {
      const el = document.createElement('kimi-realtime');
      el.url = secured.url;
      el.reconnectDelay = 50;
      const errors = record<KimiErrorDetail>(el, 'kimi:error');
      await fixture(html`<div>${el}</div>`);
      await until(() => errors.some((e) => e.kind === 'auth'));
      expect(errors.find((e) => e.kind === 'auth')!.closeCode).to.equal(4401);
      expect(el.state).to.equal('closed');
      const statuses = record<KimiStatusDetail>(el, 'kimi:status');
      await sleep(400);
      expect(statuses, 'no retry after refused credentials').to.deep.equal([]);
      el.token = async () => 'good';
      el.connect();
      await until(() => el.state === 'open');
      expect(el.getAttribute('token')).to.equal(null);
    } finally {
      await secured.close();
    }
  });
});

describe('<kimi-realtime> lifecycle', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  /** Tracks timers and environment listeners created while `body` runs, across later ticks. */
  function trackResources() {
    const timers = new Set<number>();
    const listeners = new Map<string, number>();
    const orig = {
      st: window.setTimeout,
      ct: window.clearTimeout,
      si: window.setInterval,
      ci: window.clearInterval,
      wa: window.addEventListener,
      wr: window.removeEventListener,
      da: document.addEventListener,
      dr: document.removeEventListener,
    };
    (window as any).setTimeout = (fn: () => void, ms?: number, ...rest: unknown[]) => {
      const id = orig.st.call(
        window,
        () => {
          timers.delete(id);
          fn();
        },
        ms,
        ...rest,
      ) as unknown as number;
      timers.add(id);
      return id;
    };
    (window as any).clearTimeout = (id: number) => {
      timers.delete(id);
      orig.ct.call(window, id);
    };
    (window as any).setInterval = (fn: () => void, ms?: number) => {
      const id = orig.si.call(window, fn, ms) as unknown as number;
      timers.add(id);
      return id;
    };
    (window as any).clearInterval = (id: number) => {
      timers.delete(id);
      orig.ci.call(window, id);
    };
    const count = (key: string, d: number) => listeners.set(key, (listeners.get(key) ?? 0) + d);
    window.addEventListener = function (this: Window, t: string, ...a: [any, any?]) {
      if (['online', 'offline'].includes(t)) count(t, 1);
      return orig.wa.call(this, t, ...a);
    } as any;
    window.removeEventListener = function (this: Window, t: string, ...a: [any, any?]) {
      if (['online', 'offline'].includes(t)) count(t, -1);
      return orig.wr.call(this, t, ...a);
    } as any;
    document.addEventListener = function (this: Document, t: string, ...a: [any, any?]) {
      if (t === 'visibilitychange') count(t, 1);
      return orig.da.call(this, t, ...a);
    } as any;
    document.removeEventListener = function (this: Document, t: string, ...a: [any, any?]) {
      if (t === 'visibilitychange') count(t, -1);
      return orig.dr.call(this, t, ...a);
    } as any;
    return {
      timers,
      listeners,
      restore() {
        Object.assign(window, { setTimeout: orig.st, clearTimeout: orig.ct, setInterval: orig.si, clearInterval: orig.ci });
        window.addEventListener = orig.wa;
        window.removeEventListener = orig.wr;
        document.addEventListener = orig.da;
        document.removeEventListener = orig.dr;
      },
    };
  }

  it('removal closes the socket and leaves no timer and no listener, even mid-retry', async () => {
    const tracked = trackResources();
    try {
      const el = await mountRealtime({ url: sim.url, 'reconnect-delay': 5000, 'idle-timeout': 10000, 'ping-interval': 5000 });
      await sim.drop();
      await until(() => el.state === 'reconnecting');
      expect(tracked.timers.size).to.be.greaterThan(0);
      el.remove();
      await sleep(50);
      expect(el.state).to.equal('closed');
      expect([...tracked.timers]).to.deep.equal([]);
      expect(
        [...tracked.listeners.values()].every((n) => n === 0),
        JSON.stringify([...tracked.listeners]),
      ).to.equal(true);
      const open = await mountRealtime({ url: sim.url, 'idle-timeout': 10000, 'ping-interval': 5000 });
      open.remove();
      await until(async () => (await sim.state()).clientCount === 0, { what: 'server sees the socket closed' });
      await sleep(50);
      expect([...tracked.timers]).to.deep.equal([]);
    } finally {
      tracked.restore();
    }
  });

  it('moved within the page in one task: no reconnect; re-attached later: connects again', async () => {
    const el = await mountRealtime({ url: sim.url });
    const statuses = record<KimiStatusDetail>(el, 'kimi:status');
    const other = document.createElement('section');
    document.body.append(other);
    other.append(el);
    await sleep(100);
    expect(statuses).to.deep.equal([]);
    expect((await sim.state()).connectionsTotal).to.equal(1);
    el.remove();
    await nextTask();
    await until(() => el.state === 'closed');
    other.append(el);
    await until(() => el.state === 'open');
    expect((await sim.state()).connectionsTotal).to.equal(2);
    other.remove();
  });
});
