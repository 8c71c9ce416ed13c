import { expect } from '@open-wc/testing';
import { Sim, until, sleep } from './helpers/simulator.js';
import { mountRealtime, record } from './helpers/element.js';
import { metric } from './helpers/frames.js';

describe('<kimi-realtime> session filtering', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('pinned: passes its session and global messages, drops and counts the others', async () => {
    const el = await mountRealtime({ url: sim.url, 'session-id': '1' });
    const metrics = record(document, 'kimi:metric_updated');
    const all = record(el, 'kimi:message');
    await sim.push(
      metric(1, 1),
      metric(2, 2),
      { type: 'cline_usage_updated', latest_ts: null, latest_count: 1, imported_count: 0, timestamp: '2026-05-07T09:30:00' },
      metric(1, 3),
    );
    await until(() => all.length === 3, { what: '3 messages' });
    await sleep(50);
    expect(metrics.map((m) => m.metric_id)).to.deep.equal([1, 3]);
    expect(all.map((m) => m.type)).to.deep.equal(['metric_updated', 'cline_usage_updated', 'metric_updated']);
    expect(el.stats.filtered).to.equal(1);
    expect(el.stats.delivered).to.equal(3);
    expect(el.stats.framesReceived).to.equal(4);
  });

  it('compares canonical ids: session-id="3" matches 3, "3" and "03", not 33 nor "3a"', async () => {
    const el = await mountRealtime({ url: sim.url, 'session-id': '3' });
    const seen = record(el, 'kimi:metric_updated');
    await sim.push(metric(3, 1), metric('3', 2), metric(33, 3), metric('03', 4), metric('3a', 5));
    await until(() => el.stats.framesReceived === 5);
    expect(seen.map((m) => m.metric_id)).to.deep.equal([1, 2, 4]);
  });

  it('null session_id is global and always delivered', async () => {
    const el = await mountRealtime({ url: sim.url, 'session-id': '7' });
    const seen = record(el, 'kimi:provider_context_limit_error');
    await sim.push({
      type: 'provider_context_limit_error',
      session_id: null,
      error: 'x',
      provider: 'p',
      model: 'unknown',
      estimated_tokens: 1,
      max_context: 2,
      message: 'm',
    });
    await until(() => seen.length === 1);
  });

  it('nested ids: session.id for init/new_session/auto_session_created, session_ids[] for bulk deletion', async () => {
    const el = await mountRealtime({ url: sim.url, 'session-id': '4' });
    const seen = record(el, 'kimi:message');
    await sim.push(
      { type: 'new_session', session: { id: 4, name: 'mine' } },
      { type: 'new_session', session: { id: 5, name: 'other' } },
      { type: 'auto_session_created', session: { id: 5 }, provider: 'p', model: 'm' },
      { type: 'auto_session_created', session: { id: 4 }, provider: 'p', model: 'm' },
      { type: 'sessions_bulk_deleted', session_ids: ['4', 9], deleted_count: 2 },
      { type: 'sessions_bulk_deleted', session_ids: [8, 9], deleted_count: 2 },
      { type: 'init', session: { id: 5 }, stats: {}, recent_metrics: [] },
      { type: 'init', session: { id: '4' }, stats: {}, recent_metrics: [] },
    );
    await until(() => el.stats.framesReceived === 8);
    expect(seen.map((m) => `${m.type}:${m.session?.id ?? m.session_ids}`)).to.deep.equal([
      'new_session:4',
      'auto_session_created:4',
      'sessions_bulk_deleted:4,9',
      'init:4',
    ]);
  });

  it('follows the server active session when session-id is absent', async () => {
    await sim.setActive(1);
    const el = await mountRealtime({ url: sim.url });
    await until(() => el.activeSessionId === '1', { what: 'init to set session 1' });
    const seen = record(el, 'kimi:metric_updated');
    await sim.push(metric(1, 1), metric(2, 2));
    await until(() => el.stats.framesReceived >= 3);
    await sim.push({ type: 'session_activated', session_id: 2, session: { id: 2 } }, metric(1, 3), metric(2, 4));
    await until(() => seen.length === 2);
    await sim.push({ type: 'auto_session_created', session: { id: 9 }, provider: 'p', model: 'm' }, metric(2, 5), metric(9, 6));
    await until(() => seen.length === 3);
    await sim.push({ type: 'new_session', session: { id: 11, max_context: 1 } }, metric(9, 7), metric(11, 8));
    await until(() => seen.length === 4);
    await sleep(50);
    expect(seen.map((m) => m.metric_id)).to.deep.equal([1, 4, 6, 8]);
    expect(el.activeSessionId).to.equal('11');
  });

  it('changing session-id takes effect for the very next frame, without reconnecting', async () => {
    const el = await mountRealtime({ url: sim.url, 'session-id': '1' });
    const seen = record(el, 'kimi:metric_updated');
    const statuses = record(el, 'kimi:status');
    // Switch the moment frame 1 arrives, inside its own event: frame 2 (same network read) must see it.
    el.addEventListener('kimi:metric_updated', () => el.setAttribute('session-id', '2'), { once: true });
    await sim.push(metric(1, 1), metric(1, 2), metric(2, 3));
    await until(() => el.stats.framesReceived === 3);
    expect(seen.map((m) => m.metric_id)).to.deep.equal([1, 3]);
    el.sessionId = 1;
    await sim.push(metric(2, 4), metric(1, 5));
    await until(() => el.stats.framesReceived === 5);
    expect(seen.map((m) => m.metric_id)).to.deep.equal([1, 3, 5]);
    expect(statuses).to.have.length(0);
    expect(el.stats.reconnects).to.equal(0);
  });
});
