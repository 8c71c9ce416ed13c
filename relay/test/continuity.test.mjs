// No gaps: under a steady stream, viewers and the uplink reconnect (20 and 5 times) and every viewer
// ends with exactly the frames it is owed, each once, in order; then the Durable Object restarts
// (Miniflare stopped and started again on the same storage) and nothing is lost either.
import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSystem } from './helpers/setup.mjs';
import { startRelay } from './helpers/relay.mjs';
import { sleep, until } from './helpers/clients.mjs';

/** Pushes numbered frames through Kimi Proxy's stand-in: sessions 1 and 2 in turn, every 5th global. */
function steadyStream(sim, { every = 4, perTick = 3 } = {}) {
  let n = 0;
  const pushed = [];
  const timer = setInterval(() => {
    const frames = [];
    for (let i = 0; i < perTick; i++) {
      n++;
      const frame =
        n % 5 === 0
          ? { type: 'cline_usage_updated', latest_ts: null, latest_count: n, imported_count: 0, n }
          : {
              type: 'metric_updated',
              session_id: (n % 2) + 1,
              metric_id: n,
              real_tokens: { total: n, prompt: n, completion: 0, percentage: 0.1 },
              cumulative_tokens: n,
              cumulative_percentage: 0.1,
              alert: null,
              source: 'proxy',
              n,
            };
      frames.push(frame);
      pushed.push(frame);
    }
    sim.push(frames);
  }, every);
  return {
    pushed,
    stop() {
      clearInterval(timer);
    },
    /** A last global frame every viewer is owed: when it arrived, everything before it had too. */
    async finish() {
      const end = { type: 'cline_usage_updated', latest_ts: null, latest_count: 0, imported_count: 0, n: ++n, end: true };
      pushed.push(end);
      sim.push(end);
    },
  };
}

/** The numbered stream frames a viewer got, checked: owed ones only, each once, in order. */
function checkDelivery(viewer, owed, label) {
  const got = viewer.frames.filter((f) => typeof f.n === 'number');
  const seqs = got.map((f) => f.relay_seq);
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i] > seqs[i - 1]) continue;
    const at = viewer.frames.indexOf(got[i]);
    const context = viewer.frames
      .slice(Math.max(0, at - 3), at + 2)
      .map((f, k) => ({ seq: f.relay_seq, n: f.n, type: f.type, ...viewer.arrivals[Math.max(0, at - 3) + k] }));
    assert.fail(`${label}: relay_seq ${seqs[i]} after ${seqs[i - 1]} (duplicate or reordered): ${JSON.stringify(context)}`);
  }
  const ns = got.map((f) => f.n);
  const want = owed.map((f) => f.n);
  if (ns.length !== want.length || ns.some((n, i) => n !== want[i])) {
    const missing = want.filter((n) => !ns.includes(n));
    const extra = ns.filter((n) => !want.includes(n));
    assert.fail(`${label}: ${ns.length} frames, owed ${want.length}; missing ${ranges(missing)} extra ${ranges(extra)}`);
  }
}

function ranges(list) {
  const out = [];
  for (const n of list) {
    const last = out.at(-1);
    if (last && n <= last[1] + 5) last[1] = n;
    else out.push([n, n]);
  }
  return (
    out
      .slice(0, 12)
      .map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`))
      .join(', ') + (out.length > 12 ? ` … (${out.length} runs)` : '')
  );
}

const ofSession = (session) => (f) => f.session_id === undefined || String(f.session_id) === session;

describe('continuity across reconnects', () => {
  let system;
  after(() => system?.close());
  afterEach((t) => {
    // What the runtime said, when something went wrong (requests lines left out).
    if (system && t.passed === false)
      console.log(
        system.relay.logged
          .filter((l) => !/ 101 Switching| 200 OK/.test(l))
          .join('\n')
          .slice(0, 5000),
      );
  });

  test('20 viewer reconnects and 5 uplink reconnects under a steady stream: nothing lost, duplicated or reordered', async () => {
    system = await startSystem();
    const one = await system.viewer({ sessions: ['1'], session: 1 });
    const two = await system.viewer({ sessions: ['2'], session: 2 });
    const all = await system.viewer({ sessions: '*' });
    const steady = await system.viewer({ sessions: '*' });
    const stream = steadyStream(system.kimi.sim);
    const reconnecting = [one, two, all];
    for (let i = 0; i < 20; i++) {
      await sleep(60 + (i % 4) * 20);
      const viewer = reconnecting[i % 3];
      if (i % 2 === 0) viewer.drop();
      else viewer.close();
      await sleep(i % 5 === 0 ? 150 : 10);
      await viewer.connect();
      if (i % 4 === 3) {
        system.uplink.dropRelay();
      }
    }
    await until(() => system.uplink.stats.relayConnects >= 6, 'five uplink reconnects');
    await sleep(100);
    stream.stop();
    await stream.finish();
    for (const v of [one, two, all, steady]) await until(() => v.frames.some((f) => f.end), 'the end marker', 20_000);
    assert.ok(stream.pushed.length > 1000, `a steady stream (${stream.pushed.length} frames)`);
    assert.equal(system.uplink.stats.relayConnects, 6);
    assert.ok(system.uplink.stats.resent >= 0);
    checkDelivery(one, stream.pushed.filter(ofSession('1')), 'viewer of session 1');
    checkDelivery(two, stream.pushed.filter(ofSession('2')), 'viewer of session 2');
    checkDelivery(all, stream.pushed, 'viewer of every session');
    checkDelivery(steady, stream.pushed, 'viewer that never reconnected');
    assert.equal(one.connects + two.connects + all.connects, 3 + 20, 'twenty viewer reconnects');
  });
});

describe('a Durable Object restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kimi-relay-do-'));
  let system;
  after(async () => {
    await system?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('room state, numbering and the uplink position survive; viewers resume where they were', async () => {
    system = await startSystem({ relayOptions: { persist: dir } });
    const one = await system.viewer({ sessions: ['1'], session: 1 });
    await until(() => one.of('init').length === 1, 'init');
    const stream = steadyStream(system.kimi.sim, { every: 10, perTick: 2 });
    await sleep(400);
    const { port, secrets } = system.relay;
    const before = await system.status();
    await system.relay.dispose(); // the Durable Object and the whole runtime stop
    await sleep(300); // frames keep coming from Kimi Proxy meanwhile; the uplink holds them
    system.relay = await startRelay({ persist: dir, port, secrets });
    await until(() => system.uplink.relayReady, 'the uplink back');
    await one.connect(); // with ?since= of the last frame it saw
    await sleep(300);
    stream.stop();
    const fresh = await system.viewer({ sessions: ['1'], session: 1 });
    await stream.finish();
    await until(() => one.frames.some((f) => f.end) && fresh.frames.some((f) => f.end), 'the end marker', 20_000);
    checkDelivery(one, stream.pushed.filter(ofSession('1')), 'viewer across the restart');
    const after = await system.status();
    assert.ok(before.seq > 0 && after.seq >= before.seq + 1, `numbering continued (${before.seq} → ${after.seq})`);
    // A viewer arriving after the restart gets the stored state: the init from before the restart.
    assert.equal(fresh.frames[0].type, 'init');
    assert.ok(fresh.frames[0].relay_seq <= before.seq, 'the init was stored before the restart');
    assert.equal(system.uplink.stats.dropped, 0);
  });
});
