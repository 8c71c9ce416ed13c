// The socket layer on its own: the state machine against the real simulator, and the partysocket check.
import { expect } from '@open-wc/testing';
import { Sim, until, sleep } from './helpers/simulator.js';
import { Transport, checkInternals } from '../../src/connection/partysocket-adapter.js';
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

  it('checks the partysocket members it replaces when constructed, and fails loudly without them', () => {
    expect(() => checkInternals({})).to.throw(/no _handleMessage.*partysocket 1\.3\.0/);
    expect(() => checkInternals({ _handleMessage() {} })).to.throw(/no _handleError/);
    expect(() => checkInternals({ _handleMessage() {}, _handleError() {} })).to.throw(/no _wait/);
    // The pinned partysocket has both: a machine builds without throwing.
    expect(machineFor(settings('ws://127.0.0.1:1/ws')).phase).to.equal('idle');
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

  it("frame pump: in a long burst no slice is set from the previous slice's timer (a nested timer is clamped to 4 ms after 5 levels); order and count kept", async () => {
    // The nesting level HTML gives each zero-delay timer: 1 from a task that is no timer, the level of
    // the running timer + 1 from inside one. Only the pump sets timers while the burst drains.
    const native = window.setTimeout;
    let running = 0;
    const levels: number[] = [];
    window.setTimeout = ((fn: () => void, delay?: number) => {
      const level = running + 1;
      if (!delay) levels.push(level);
      return native(() => {
        const outer = running;
        running = level;
        try {
          fn();
        } finally {
          running = outer;
        }
      }, delay);
    }) as typeof setTimeout;
    const handled: number[] = [];
    let done!: () => void;
    const drained = new Promise<void>((r) => (done = r));
    const count = 120;
    const pump = new FramePump<number>((n) => {
      const end = performance.now() + 0.5;
      while (performance.now() < end);
      handled.push(n);
      if (handled.length === count) done();
    });
    try {
      for (let n = 0; n < count; n++) pump.push(n);
      await drained;
    } finally {
      window.setTimeout = native;
    }
    expect(handled).to.deep.equal(Array.from({ length: count }, (_, n) => n));
    expect(levels.length, 'the burst was drained in several slices').to.be.above(5);
    expect(Math.max(...levels), `nesting levels of the slices' timers: ${levels.join(' ')}`).to.equal(1);
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
