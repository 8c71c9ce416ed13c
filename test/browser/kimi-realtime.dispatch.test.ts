import { expect } from '@open-wc/testing';
import { Sim, until, sleep } from './helpers/simulator.js';
import { mountRealtime, record } from './helpers/element.js';
import { loadFixtures, type Fixtures } from './helpers/fixtures.js';
import type { KimiErrorDetail } from '../../src/index.js';

describe('<kimi-realtime> dispatch', () => {
  let sim: Sim;
  let fixtures: Fixtures;
  before(async () => {
    fixtures = await loadFixtures();
  });
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('dispatches every fixture message as kimi:<type>, detail equal to the frame, bubbling and composed', async () => {
    const el = await mountRealtime({ url: sim.url });
    const types = new Set<string>();
    for (const m of fixtures.messages) {
      const sid = (m as any).session_id ?? (m as any).session?.id ?? (Array.isArray((m as any).session_ids) ? (m as any).session_ids[0] : null);
      if (sid === null || sid === undefined) el.removeAttribute('session-id');
      else el.setAttribute('session-id', String(sid));
      // The legacy server type `metric` is reserved for the library's usage readings: its frame comes as kimi:message.
      const name = m.type === 'metric' ? 'kimi:message' : `kimi:${m.type}`;
      const got = new Promise<CustomEvent>((resolve) => document.addEventListener(name, (e) => resolve(e as CustomEvent), { once: true }));
      await sim.push(m);
      const event = await got;
      expect(event.detail, String(m.type)).to.deep.equal(m);
      expect(event.bubbles && event.composed, String(m.type)).to.equal(true);
      types.add(String(m.type));
    }
    expect(types.size).to.be.greaterThan(25);
  });

  it('answers each fixtures.json edge case: an error event says what kind of problem, the stream continues', async () => {
    const el = await mountRealtime({ url: sim.url, 'session-id': '1' });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    const expected: Record<number, string | null> = {};
    fixtures.edge_cases.forEach((c, i) => {
      if (/NaN|Infinity/.test(c.frame) && !c.frame.startsWith('Internal')) expected[i] = 'non-finite-number';
      else if (c.frame === '') expected[i] = 'empty-frame';
      else if (c.frame === 'Internal Server Error') expected[i] = 'invalid-json';
      else if (c.frame === '[]') expected[i] = 'not-an-object';
      else if (!/"type"/.test(c.frame)) expected[i] = 'missing-type';
      else if (/session_updated|compaction_alert/.test(c.frame))
        expected[i] = null; // known never-sent types
      else expected[i] = null;
    });
    for (const [index, edge] of fixtures.edge_cases.entries()) {
      const before = errors.length;
      const beforeFrames = el.stats.framesReceived;
      await sim.push(
        edge.frame,
        JSON.stringify({ type: 'cline_usage_updated', latest_ts: index, latest_count: 0, imported_count: 0, timestamp: '2026-05-07T09:30:00' }),
      );
      await until(() => el.stats.framesReceived === beforeFrames + 2, { what: `edge case ${index}` });
      const raised = errors.slice(before).filter((e) => e.kind !== 'unknown-type');
      const want = expected[index];
      if (want) {
        expect(
          raised.map((e) => e.kind),
          `edge ${index}: ${edge.why}`,
        ).to.deep.equal([want]);
        expect(raised[0]!.message).to.be.a('string').and.not.equal('');
        expect(edge.frame.startsWith(raised[0]!.excerpt!.replace(/…$/, '')), `excerpt of ${index}`).to.equal(true);
      } else {
        expect(raised, `edge ${index}: ${edge.why}`).to.deep.equal([]);
      }
    }
    expect(el.state).to.equal('open');
  });

  it('recovers NaN/Infinity frames: delivered with null in place, reported as recovered', async () => {
    const el = await mountRealtime({ url: sim.url, 'session-id': '1' });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    const logs = record(el, 'kimi:log_metric');
    await sim.push(
      '{"type":"log_metric","source":"x","metrics":{"total_tokens":0,"percentage":NaN,"max":-Infinity},"label":"NaN in a string, Infinity","session_id":1}',
    );
    await until(() => logs.length === 1);
    expect(logs[0].metrics.percentage).to.equal(null);
    expect(logs[0].metrics.max).to.equal(null);
    expect(logs[0].label).to.equal('NaN in a string, Infinity');
    expect(errors[0]).to.include({ kind: 'non-finite-number', recovered: true });
    // Recovered means delivered: counted there, not as malformed (each frame is counted once).
    expect([el.stats.delivered, el.stats.malformed]).to.deep.equal([1, 0]);
  });

  it('reports a binary frame and keeps going', async () => {
    const el = await mountRealtime({ url: sim.url, 'session-id': '1' });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    await sim.pushBinary([1, 2, 3, 4]);
    await until(() => errors.length === 1);
    expect(errors[0]).to.include({ kind: 'binary-frame', excerpt: '[binary frame, 4 bytes]', recovered: false });
    const seen = record(el, 'kimi:compression_event');
    await sim.push({ type: 'compression_event', session_id: 1, timestamp: 't', compression: {} });
    await until(() => seen.length === 1);
  });

  it('delivers unknown types under their own name and reports each new type once', async () => {
    const el = await mountRealtime({ url: sim.url, 'session-id': '1' });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    const seen = record(document, 'kimi:brand_new_type');
    await sim.push({ type: 'brand_new_type', session_id: 1, n: 1 }, { type: 'brand_new_type', n: 2 }, { type: 'brand_new_type', session_id: 2, n: 3 });
    await until(() => el.stats.framesReceived === 3);
    await sleep(20);
    expect(seen.map((m) => m.n)).to.deep.equal([1, 2]);
    expect(errors.map((e) => e.kind)).to.deep.equal(['unknown-type']);
  });

  it('a server type named like a lifecycle event comes only through kimi:message', async () => {
    const el = await mountRealtime({ url: sim.url });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    const all = record(el, 'kimi:message');
    await sim.push({ type: 'error', text: 'server says' }, { type: 'status' });
    await until(() => all.length === 2);
    expect(errors.map((e) => e.kind)).to.deep.equal(['reserved-type', 'reserved-type']);
    expect(errors.every((e) => e.recovered)).to.equal(true);
  });

  it('does not log per message unless debug is set', async () => {
    const calls: unknown[] = [];
    const original = { log: console.log, debug: console.debug, info: console.info, warn: console.warn };
    for (const k of Object.keys(original) as (keyof typeof original)[]) console[k] = (...a: unknown[]) => calls.push(a);
    try {
      const el = await mountRealtime({ url: sim.url, 'session-id': '1' });
      await sim.push(...Array.from({ length: 20 }, (_, i) => ({ type: 'metric_updated', session_id: 1, metric_id: i })));
      await until(() => el.stats.framesReceived === 20);
      expect(calls).to.have.length(0);
      el.debug = true;
      await el.updateComplete;
      await sim.push({ type: 'metric_updated', session_id: 1, metric_id: 99 });
      await until(() => el.stats.framesReceived === 21);
      expect(calls.length).to.be.greaterThan(0);
    } finally {
      Object.assign(console, original);
    }
  });
});
