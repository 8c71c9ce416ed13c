// One socket per page: elements with the same URL and credentials share it, each with its own filter, events, state and stats.
import { expect, fixture, html } from '@open-wc/testing';
import { Sim, until, sleep, nextTask } from './helpers/simulator.js';
import { record } from './helpers/element.js';
import { metric } from './helpers/frames.js';
import type { KimiErrorDetail, KimiRealtime, KimiStatusDetail } from '../../src/index.js';

/** `n` elements in one container, with the attributes (and properties) given for each index. */
async function mountMany(
  n: number,
  attrs: (i: number) => Record<string, string | boolean>,
  props?: (el: KimiRealtime, i: number) => void,
): Promise<{ container: HTMLElement; els: KimiRealtime[] }> {
  const container = await fixture<HTMLDivElement>(html`<div></div>`);
  const els: KimiRealtime[] = [];
  for (let i = 0; i < n; i++) {
    const el = document.createElement('kimi-realtime');
    el.setAttribute('no-hydrate', '');
    for (const [name, value] of Object.entries(attrs(i))) if (value !== false) el.setAttribute(name, value === true ? '' : value);
    props?.(el, i);
    container.append(el);
    els.push(el);
  }
  return { container, els };
}

/** Counts JSON.parse calls while `body` runs. */
async function countParses(body: () => Promise<void>): Promise<number> {
  const parse = JSON.parse;
  let calls = 0;
  JSON.parse = function (this: JSON, ...args: Parameters<typeof JSON.parse>) {
    calls++;
    return parse.apply(this, args);
  } as typeof JSON.parse;
  try {
    await body();
  } finally {
    JSON.parse = parse;
  }
  return calls;
}

describe('shared connection', function () {
  this.timeout(30_000);
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('20 elements with the same URL: 1 socket at the server, each frame parsed once, each element filtering for itself', async () => {
    const { els } = await mountMany(20, (i) => ({ url: sim.url, 'session-id': String((i % 2) + 1) }));
    await until(() => els.every((e) => e.state === 'open'), { what: 'all open' });
    const state = await sim.state();
    expect([state.clientCount, state.connectionsTotal]).to.deep.equal([1, 1]);
    const seen = els.map((el) => record(el, 'kimi:metric_updated'));
    const frames = 50;
    const parses = await countParses(async () => {
      await sim.push(...Array.from({ length: frames }, (_, k) => metric((k % 2) + 1, k)));
      await until(() => els.every((e) => e.stats.framesReceived === frames), { what: `${frames} frames in every element` });
    });
    expect(parses, 'JSON.parse calls for 50 frames and 20 elements').to.equal(frames);
    els.forEach((el, i) => {
      const session = (i % 2) + 1;
      expect(
        seen[i]!.map((m) => m.metric_id),
        `element ${i}`,
      ).to.deep.equal(Array.from({ length: frames / 2 }, (_, k) => 2 * k + session - 1));
      expect([el.stats.delivered, el.stats.filtered]).to.deep.equal([frames / 2, frames / 2]);
    });
  });

  it('moving, removing or re-pinning one element does not disturb the others; the last one leaving closes the socket', async () => {
    const { container, els } = await mountMany(3, () => ({ url: sim.url, 'session-id': '1' }));
    const [a, b, c] = els as [KimiRealtime, KimiRealtime, KimiRealtime];
    await until(() => els.every((e) => e.state === 'open'));
    const statuses = els.map((el) => record<KimiStatusDetail>(el, 'kimi:status'));
    const seen = els.map((el) => record(el, 'kimi:metric_updated'));
    // Moved within the page in one task.
    const other = document.createElement('section');
    container.append(other);
    other.append(a);
    // Removed.
    b.remove();
    await until(() => b.state === 'closed', { what: 'b closed' });
    // Re-pinned.
    c.sessionId = '2';
    await sim.push(metric(1, 1), metric(2, 2));
    await until(() => seen[0]!.length === 1 && seen[2]!.length === 1);
    expect(seen[0]!.map((m) => m.metric_id)).to.deep.equal([1]);
    expect(seen[2]!.map((m) => m.metric_id)).to.deep.equal([2]);
    expect(seen[1], 'the removed element got nothing').to.deep.equal([]);
    expect(statuses[0], 'a: no status change').to.deep.equal([]);
    expect(statuses[2], 'c: no status change').to.deep.equal([]);
    expect(statuses[1]!.map((s) => s.state)).to.deep.equal(['closed']);
    expect([a.state, c.state]).to.deep.equal(['open', 'open']);
    let server = await sim.state();
    expect([server.clientCount, server.connectionsTotal]).to.deep.equal([1, 1]);
    a.remove();
    await nextTask();
    await sleep(100);
    expect((await sim.state()).clientCount, 'c still holds the socket').to.equal(1);
    c.remove();
    await until(async () => (await sim.state()).clientCount === 0, { what: 'socket closed by the last element leaving' });
    // The next element opens a new socket.
    container.append(b);
    await until(() => b.state === 'open');
    server = await sim.state();
    expect([server.clientCount, server.connectionsTotal]).to.deep.equal([1, 2]);
  });

  it('own-connection opts out; different credentials do not share; the same token function does', async () => {
    const token = () => 'x';
    const { els } = await mountMany(5, () => ({ url: sim.url }));
    els[1]!.ownConnection = true;
    els[2]!.token = token;
    els[3]!.token = token;
    els[4]!.token = () => 'x';
    await until(() => els.every((e) => e.state === 'open'));
    // Shared: 0; own: 1; token: 2 and 3; another function: 4.
    await until(async () => (await sim.state()).clientCount === 4, { what: '4 sockets' });
    els[1]!.ownConnection = false;
    els[4]!.token = token;
    await until(async () => (await sim.state()).clientCount === 2, { what: '2 sockets once 1 and 4 rejoined' });
    expect(els.every((e) => e.state === 'open')).to.equal(true);
  });

  it('a token changed on every element of a socket at once keeps the socket, and its next attempt uses the new token', async () => {
    const calls = { old: 0, new: 0 };
    const oldToken = () => (calls.old++, 'a');
    const newToken = () => (calls.new++, 'b');
    const { els } = await mountMany(
      4,
      () => ({ url: sim.url, 'reconnect-delay': '100' }),
      (el) => (el.token = oldToken),
    );
    await until(() => els.every((e) => e.state === 'open'));
    expect(calls).to.deep.equal({ old: 1, new: 0 });
    const statuses = els.map((el) => record<KimiStatusDetail>(el, 'kimi:status'));
    for (const el of els) el.token = newToken;
    await sleep(200);
    expect(statuses.flat(), 'no reconnection').to.deep.equal([]);
    expect((await sim.state()).connectionsTotal).to.equal(1);
    await sim.drop();
    await until(() => els.every((e) => e.stats.reconnects === 1), { what: 'reconnected' });
    expect(calls).to.deep.equal({ old: 1, new: 1 });
    expect((await sim.state()).clientCount).to.equal(1);
  });

  it('a token changed on one element of a shared socket moves it alone to a socket of its own credentials', async () => {
    const { els } = await mountMany(3, () => ({ url: sim.url }));
    await until(() => els.every((e) => e.state === 'open'));
    const others = [els[0]!, els[2]!].map((el) => record<KimiStatusDetail>(el, 'kimi:status'));
    els[1]!.token = 'mine';
    await until(async () => (await sim.state()).clientCount === 2, { what: 'a second socket' });
    await until(() => els[1]!.state === 'open');
    expect(others.flat()).to.deep.equal([]);
  });

  it('each element keeps its own send queue: queued commands of several elements go out once each when the shared socket reopens', async () => {
    const { els } = await mountMany(3, () => ({ url: sim.url, 'reconnect-delay': '150', 'reconnect-jitter': '0' }));
    await until(() => els.every((e) => e.state === 'open'));
    await sim.drop();
    await until(() => els.every((e) => e.state === 'reconnecting'));
    els.forEach((el, i) => {
      expect(el.send({ type: 'note', from: i, n: 1 })).to.equal(false);
      el.send({ type: 'note', from: i, n: 2 });
    });
    expect(els.map((e) => e.stats.queueDepth)).to.deep.equal([2, 2, 2]);
    await until(async () => (await sim.state()).receivedCount >= 6, { what: '6 commands at the server' });
    await sleep(200);
    const received = (await sim.state()).received.map((r) => JSON.parse(r.text) as { from: number; n: number });
    expect(received.length).to.equal(6);
    for (let i = 0; i < 3; i++)
      expect(
        received.filter((m) => m.from === i).map((m) => m.n),
        `element ${i}, in order`,
      ).to.deep.equal([1, 2]);
    // A manual element joining the open socket sends what it queued at once.
    const late = document.createElement('kimi-realtime');
    late.manual = true;
    late.url = sim.url;
    late.noHydrate = true;
    els[0]!.after(late);
    late.send({ type: 'note', from: 9, n: 1 });
    late.connect();
    expect(late.state).to.equal('open');
    await until(async () => (await sim.state()).receivedCount === 7);
    expect((await sim.state()).clientCount).to.equal(1);
  });

  it('refused credentials close every element on the socket, each with its own kimi:error', async () => {
    const secured = await Sim.create({ auth: { token: 'good', via: 'query' } });
    try {
      const { els } = await mountMany(3, () => ({ url: secured.url, 'reconnect-delay': '100' }));
      const errors = els.map((el) => record<KimiErrorDetail>(el, 'kimi:error'));
      await until(() => errors.every((e) => e.some((x) => x.kind === 'auth')), { what: 'auth errors' });
      expect(els.map((e) => e.state)).to.deep.equal(['closed', 'closed', 'closed']);
      expect((await secured.state()).authRejected).to.equal(1);
      const good = () => 'good';
      for (const el of els) {
        el.token = good;
        el.connect();
      }
      await until(() => els.every((e) => e.state === 'open'));
      expect((await secured.state()).clientCount).to.equal(1);
    } finally {
      await secured.close();
    }
  });
});
