// Session ids at the edges, ids that are not ids, reserved event names and re-entrant listeners.
import { expect } from '@open-wc/testing';
import { Sim, until, sleep } from './helpers/simulator.js';
import { mountRealtime, record } from './helpers/element.js';
import { metric } from './helpers/frames.js';
import type { KimiErrorDetail, KimiRealtime } from '../../src/index.js';

const counted = (el: KimiRealtime) => {
  const s = el.stats;
  return { received: s.framesReceived, sum: s.delivered + s.filtered + s.malformed };
};

/** References that are not ids, as JSON text: the object's `toString` is not callable, so `String()` would throw. */
const NOT_IDS = ['{"toString":1}', '[1]', 'true', '{}', '1e400'];

describe('<kimi-realtime> ids that are not ids', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  for (const pinned of ['1', null]) {
    it(`${pinned ? 'pinned' : 'following'}: objects, arrays, booleans and 1e400 as session_id, session.id, session_ids are reported and counted, never thrown; the counters add up`, async () => {
      const el = await mountRealtime(pinned ? { url: sim.url, 'session-id': pinned } : { url: sim.url });
      const errors = record<KimiErrorDetail>(el, 'kimi:error');
      const seen = record(el, 'kimi:message');
      const pageErrors: unknown[] = [];
      const onError = (e: ErrorEvent) => pageErrors.push(e.message);
      window.addEventListener('error', onError);
      try {
        const frames: string[] = [];
        let n = 0;
        for (const id of NOT_IDS) {
          frames.push(
            `{"type":"metric_updated","metric_id":${++n},"session_id":${id}}`,
            `{"type":"init","session":{"id":${id}},"stats":{},"recent_metrics":[]}`,
            `{"type":"new_session","session":{"id":${id}}}`,
            `{"type":"auto_session_created","session":{"id":${id}},"provider":"p","model":"m"}`,
            `{"type":"session_activated","session_id":${id}}`,
            `{"type":"sessions_bulk_deleted","session_ids":[1,${id}],"deleted_count":2}`,
            JSON.stringify(metric(1, 1000 + n)),
          );
        }
        // Other hostile frames in the same stream: unreadable, recovered, global, another session's.
        frames.push(
          'not json',
          '{"type":"log_metric","session_id":1,"metrics":{"percentage":NaN}}',
          '{"no":"type"}',
          JSON.stringify(metric(2, 9999)),
          '{"type":"cline_usage_updated"}',
        );
        await sim.push(...frames);
        await until(() => el.stats.framesReceived === frames.length, { what: `${frames.length} frames` });
        await sleep(20);
        expect(pageErrors).to.deep.equal([]);
        const { received, sum } = counted(el);
        expect(sum, 'delivered + filtered + malformed').to.equal(received);
        expect(el.stats.malformed, 'six hostile references per kind, plus two unreadable frames').to.equal(NOT_IDS.length * 6 + 2);
        const invalid = errors.filter((e) => e.kind === 'invalid-session-id');
        // Bounded: once per message type.
        expect(invalid.map((e) => e.excerpt).sort()).to.deep.equal([
          'auto_session_created',
          'init',
          'metric_updated',
          'new_session',
          'session_activated',
          'sessions_bulk_deleted',
        ]);
        // The good frames after each hostile one still arrive.
        expect(seen.filter((m) => m.metric_id > 1000 && m.metric_id < 2000).map((m) => m.metric_id)).to.deep.equal(NOT_IDS.map((_, i) => 1001 + i));
        expect(el.activeSessionId, 'a non-id is never followed').to.equal(pinned);
        expect(el.state).to.equal('open');
      } finally {
        window.removeEventListener('error', onError);
      }
    });
  }
});

describe('<kimi-realtime> session ids at the edges', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('session-id "01", "1.0", "-0", "1e21", " 1 " match the numbers they denote (and "03" on the wire matches 3)', async () => {
    const el = await mountRealtime({ url: sim.url, 'session-id': '1' });
    const seen = record(el, 'kimi:metric_updated');
    const cases: [string, number | string][] = [
      ['01', 1],
      ['1.0', 1],
      ['-0', 0],
      ['1e21', 1e21],
      [' 1 ', 1],
      ['3', '03'],
      ['3', ' 3.0 '],
    ];
    let id = 0;
    for (const [attribute, wire] of cases) {
      el.setAttribute('session-id', attribute);
      await sim.push(metric(wire, ++id), metric(2, 500 + id));
      await until(() => el.stats.framesReceived === id * 2, { what: `session-id="${attribute}"` });
      expect(seen.at(-1)?.metric_id, `session-id="${attribute}" vs ${JSON.stringify(wire)}`).to.equal(id);
    }
    expect(seen.map((m) => m.metric_id)).to.deep.equal(cases.map((_, i) => i + 1));
    expect(el.sessionId, 'the property reads the canonical id').to.equal('3');
  });

  it('following: an init id of [1], true or {} is ignored (reported), a canonical one is followed', async () => {
    const el = await mountRealtime({ url: sim.url });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    await sim.push('{"type":"init","session":{"id":[1]}}', '{"type":"init","session":{"id":true}}', '{"type":"session_activated","session_id":{}}');
    await until(() => el.stats.framesReceived === 3);
    expect(el.activeSessionId).to.equal(null);
    expect(errors.map((e) => e.kind)).to.deep.equal(['invalid-session-id', 'invalid-session-id']);
    await sim.push({ type: 'session_activated', session_id: '007' });
    await until(() => el.activeSessionId === '7');
    const seen = record(el, 'kimi:metric_updated');
    await sim.push(metric(7, 1), metric('7.0', 2), metric(1, 3));
    await until(() => el.stats.framesReceived === 7);
    expect(seen.map((m) => m.metric_id)).to.deep.equal([1, 2]);
  });
});

describe('<kimi-realtime> reserved event names', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('server types alert-dismiss, status, error, message come through kimi:message only, each reported as reserved-type', async () => {
    const el = await mountRealtime({ url: sim.url });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    const all = record(el, 'kimi:message');
    const impersonated: string[] = [];
    for (const name of ['alert-dismiss', 'status', 'error']) {
      el.addEventListener(`kimi:${name}`, (e) => {
        if ((e as CustomEvent).detail?.fromServer) impersonated.push(name);
      });
    }
    const types = ['alert-dismiss', 'status', 'error', 'message'];
    await sim.push(...types.map((type) => ({ type, fromServer: true, level: 'critical', message: 'x' })));
    await until(() => all.length === types.length);
    await sleep(20);
    expect(impersonated).to.deep.equal([]);
    expect(all.map((m) => m.type)).to.deep.equal(types);
    expect(errors.map((e) => [e.kind, e.excerpt])).to.deep.equal(types.map((t) => ['reserved-type', t]));
  });
});

describe('<kimi-realtime> re-entrant listeners', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('a kimi:<type> listener that switches session-id: the old session frame never reaches kimi:message', async () => {
    const el = await mountRealtime({ url: sim.url, 'session-id': '1' });
    const all: unknown[] = [];
    el.addEventListener('kimi:message', (e) => all.push((e as CustomEvent).detail.metric_id ?? (e as CustomEvent).detail.type));
    el.addEventListener('kimi:metric_updated', () => el.setAttribute('session-id', '2'), { once: true });
    await sim.push(metric(1, 1), metric(2, 2), { type: 'cline_usage_updated', latest_ts: 1, latest_count: 1, imported_count: 0 }, metric(1, 3));
    await until(() => el.stats.framesReceived === 4);
    await sleep(20);
    expect(all, 'frame 1 (session 1) was seen as kimi:metric_updated only').to.deep.equal([2, 'cline_usage_updated']);
    // Switching to a session the frame still belongs to lets it through.
    el.addEventListener(
      'kimi:metric_updated',
      () => {
        el.sessionId = '02';
      },
      { once: true },
    );
    await sim.push(metric(2, 4));
    await until(() => el.stats.framesReceived === 5);
    await sleep(20);
    expect(all.at(-1)).to.equal(4);
  });

  it('following: a kimi:session_activated listener that pins another session stops that frame at kimi:message', async () => {
    const el = await mountRealtime({ url: sim.url });
    const all: string[] = [];
    el.addEventListener('kimi:message', (e) => all.push((e as CustomEvent).detail.type));
    el.addEventListener('kimi:session_activated', () => el.setAttribute('session-id', '9'), { once: true });
    await sim.push({ type: 'session_activated', session_id: 5 }, metric(5, 1), metric(9, 2));
    await until(() => el.stats.framesReceived === 3);
    await sleep(20);
    expect(all).to.deep.equal(['metric_updated']);
    expect(el.activeSessionId).to.equal('9');
  });
});
