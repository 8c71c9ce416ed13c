// The socket layer on its own: the state machine and its transport against the real simulator.
import { expect } from '@open-wc/testing';
import { Sim, until, sleep } from './helpers/simulator.js';
import { Transport, type TransportEvents } from '../../src/connection/transport.js';
import { FramePump } from '../../src/connection/frame-pump.js';
import { SocketMachine, type ConnectionSettings, type SocketIdentity, type SocketMember, type SocketPhase } from '../../src/connection/socket-machine.js';
import type { KimiErrorDetail, KimiStatusDetail } from '../../src/index.js';

const settings = (url: string, extra: Partial<ConnectionSettings> = {}): ConnectionSettings => ({
  resolvedUrl: url,
  reconnectDelay: 100,
  reconnectDelayMax: 1000,
  reconnectGrowth: 2,
  reconnectJitter: 0,
  stableAfter: 5000,
  connectTimeout: 4000,
  idleTimeout: 0,
  pingInterval: 0,
  token: null,
  authVia: 'query',
  authCloseCodes: [4401],
  debug: false,
  ...extra,
});

const identityOf = (s: ConnectionSettings): SocketIdentity => ({ url: s.resolvedUrl, token: s.token, authVia: s.authVia, own: true });
const machineFor = (s: ConnectionSettings) => new SocketMachine(identityOf(s));

function member(s: ConnectionSettings) {
  const seen = { statuses: [] as KimiStatusDetail[], errors: [] as KimiErrorDetail[], frames: [] as unknown[] };
  const m: SocketMember = {
    settings: s,
    identity: identityOf(s),
    status: (d) => seen.statuses.push(d),
    error: (d) => seen.errors.push(d),
    frame: (message) => seen.frames.push(message),
    skip: () => {},
    unsent: () => {},
  };
  return { m, seen };
}

/** Records every phase the machine enters (each assignment of `phase`). */
function phases(machine: SocketMachine): SocketPhase[] {
  const list: SocketPhase[] = [machine.phase];
  let value = machine.phase;
  Object.defineProperty(machine, 'phase', { configurable: true, get: () => value, set: (v: SocketPhase) => list.push((value = v)) });
  return list;
}

describe('socket layer', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  /** A transport whose events are recorded in order. */
  function recorded(next: () => Promise<{ url: string; protocols: string[] | null }>) {
    const log: string[] = [];
    const frames: unknown[] = [];
    const errors: unknown[] = [];
    const events: TransportEvents = {
      frame: (data) => frames.push(data),
      open: () => log.push('open'),
      close: (code, reason) => log.push(`close ${code} ${reason}`),
      failed: (error) => (errors.push(error), log.push('failed')),
    };
    return { transport: new Transport(next, events), log, frames, errors };
  }

  it('transport: frames handed on as received, the close code of the server reported, close() reported at once and once', async () => {
    const { transport, log, frames } = recorded(() => Promise.resolve({ url: sim.url, protocols: null }));
    expect(transport.isOpen).to.equal(false);
    transport.attempt();
    await until(() => transport.isOpen, { what: 'open' });
    expect(transport.extensions, 'the simulator offers permessage-deflate').to.contain('permessage-deflate');
    await sim.push({ type: 'x', n: 1 });
    await until(() => frames.length === 1, { what: 'a frame' });
    expect(frames[0]).to.be.a('string');
    expect(JSON.parse(frames[0] as string)).to.deep.include({ type: 'x', n: 1 });
    await sim.drop(4001);
    await until(() => log.length === 2, { what: 'close' });
    expect(log, 'the real code, not 1000').to.deep.equal(['open', 'close 4001 dropped by simulator']);
    transport.attempt();
    await until(() => transport.isOpen, { what: 'open again' });
    transport.close(4000, 'idle timeout');
    expect(log.slice(2), 'reported in the call').to.deep.equal(['open', 'close 4000 idle timeout']);
    expect(transport.isOpen).to.equal(false);
    await until(async () => (await sim.state()).clientCount === 0, { what: 'closed at the server' });
    await sleep(50);
    expect(log.length, "the socket's own close event is not reported again").to.equal(4);
    transport.close(1000, 'again');
    expect(log.length, 'closing a closed socket reports nothing').to.equal(4);
  });

  it('transport: a target that resolves after close() never connects; a failed attempt reports its error itself', async () => {
    let resolve!: (t: { url: string; protocols: string[] | null }) => void;
    const late = recorded(() => new Promise((r) => (resolve = r)));
    late.transport.attempt();
    await until(() => resolve !== undefined, { what: 'target asked' });
    late.transport.close(1000, 'closed by page');
    resolve({ url: sim.url, protocols: null });
    await sleep(100);
    expect(late.log).to.deep.equal([]);
    expect((await sim.state()).connectionsTotal).to.equal(0);

    class Refused extends Error {}
    const refused = recorded(() => Promise.reject(new Refused('no token')));
    refused.transport.attempt();
    await until(() => refused.errors.length === 1, { what: 'failed' });
    expect(refused.errors[0]).to.be.instanceOf(Refused);
    const bad = recorded(() => Promise.resolve({ url: 'ws://[not-a-host', protocols: null }));
    bad.transport.attempt();
    await until(() => bad.errors.length === 1, { what: 'failed' });
    expect(bad.log).to.deep.equal(['failed']);
    expect((bad.errors[0] as Error).message)
      .to.be.a('string')
      .and.not.equal('');
  });

  it('an attempt starts without waiting for a timer (a background tab throttles timers: Firefox up to 1 s)', async () => {
    const asked: number[] = [];
    let opened = false;
    const transport = new Transport(
      () => {
        asked.push(performance.now());
        return Promise.resolve({ url: sim.url, protocols: null });
      },
      { frame() {}, open: () => (opened = true), close() {}, failed() {} },
    );
    // No timer may run before the target is asked for: every timer started from here on is held back.
    const realSetTimeout = window.setTimeout;
    const held: unknown[] = [];
    window.setTimeout = ((handler: unknown) => (held.push(handler), 0)) as unknown as typeof window.setTimeout;
    try {
      transport.attempt();
      for (let i = 0; i < 5 && !asked.length; i++) await Promise.resolve();
    } finally {
      window.setTimeout = realSetTimeout;
    }
    expect(asked.length, 'target asked for within microtasks, with every timer held back').to.equal(1);
    await until(() => opened, { what: 'open' });
    transport.close(1000, 'done');
  });

  it('goes idle → connecting → open → waiting → connecting → open → closed, one attempt per phase', async () => {
    const s = settings(sim.url);
    const machine = machineFor(s);
    const seen = phases(machine);
    const { m, seen: got } = member(s);
    machine.join(m);
    expect(machine.phase).to.equal('connecting');
    await until(() => machine.phase === 'open', { what: 'open' });
    await sim.push({ type: 'x', n: 1 });
    await until(() => got.frames.length === 1, { what: 'a frame' });
    await sim.drop();
    await until(() => machine.phase === 'waiting', { what: 'waiting' });
    expect(machine.attempt).to.equal(1);
    expect(machine.nextRetryAt).to.be.a('number');
    await until(() => machine.phase === 'open', { what: 'open again' });
    machine.leave(m);
    expect(machine.phase).to.equal('closed');
    expect(seen).to.deep.equal(['idle', 'connecting', 'open', 'waiting', 'connecting', 'open', 'closed']);
    expect(got.statuses.map((s) => s.state)).to.deep.equal(['connecting', 'open', 'reconnecting', 'open']);
    await until(async () => (await sim.state()).clientCount === 0, { what: 'closed at the server' });
    expect((await sim.state()).connectionsTotal).to.equal(2);
  });

  it('options are read when an attempt is scheduled: a change applies to the next retry, not the current wait', async () => {
    const s = settings(sim.url, { reconnectDelay: 150, reconnectDelayMax: 60_000 });
    const machine = machineFor(s);
    const { m } = member(s);
    machine.join(m);
    await until(() => machine.phase === 'open');
    (s as { reconnectDelay: number }).reconnectDelay = 20_000;
    const droppedAt = Date.now();
    await sim.drop();
    await until(() => machine.phase === 'waiting');
    expect(machine.nextRetryAt! - droppedAt, 'the retry scheduled after the change').to.be.above(15_000);
    (s as { reconnectDelay: number }).reconnectDelay = 100;
    await sleep(300);
    expect(machine.phase, 'the scheduled wait is not shortened by a later change').to.equal('waiting');
    expect(machine.retryNow()).to.equal(true);
    await until(() => machine.phase === 'open');
    machine.stop();
  });

  it('closed for good: no attempt after stop(), even one started in the same task, and the token is not read', async () => {
    let reads = 0;
    const s = settings(sim.url, {
      token: () => {
        reads++;
        return 't';
      },
    });
    const machine = machineFor(s);
    const { m } = member(s);
    machine.join(m);
    machine.stop();
    await sleep(200);
    expect(reads).to.equal(0);
    expect(machine.phase).to.equal('closed');
    expect((await sim.state()).connectionsTotal).to.equal(0);
    expect(() => machine.join(m)).to.throw(/closed socket/);
  });

  it('frame pump: a burst waits in slices while the tab is visible, and is handled at once while hidden (no throttled timer in between)', async () => {
    const handled: number[] = [];
    const slow = (n: number) => {
      const end = performance.now() + 3;
      while (performance.now() < end);
      handled.push(n);
    };
    const visible = new FramePump<number>(slow);
    for (let n = 0; n < 20; n++) visible.push(n);
    expect(visible.waiting, 'visible: the rest of the burst waits for the next slice').to.be.above(0);
    await until(() => visible.waiting === 0, { what: 'drained' });
    expect(handled).to.deep.equal(Array.from({ length: 20 }, (_, n) => n));
    handled.length = 0;
    const hidden = new FramePump<number>(slow);
    for (let n = 0; n < 5; n++) hidden.push(n);
    expect(hidden.waiting).to.be.above(0);
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    try {
      for (let n = 5; n < 20; n++) hidden.push(n);
      expect(hidden.waiting, 'hidden: nothing waits').to.equal(0);
      expect(handled, 'in order, the waiting ones first').to.deep.equal(Array.from({ length: 20 }, (_, n) => n));
    } finally {
      delete (document as { hidden?: boolean }).hidden;
    }
  });
});
