// request(): a command and its direct reply, matched by requestId, against the simulator's memory commands.
import { expect } from '@open-wc/testing';
import { Sim, until, sleep } from './helpers/simulator.js';
import { mountRealtime, record } from './helpers/element.js';
import { KimiRequestError, type KimiRealtime } from '../../src/index.js';

/** The rejection of `promise` (fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<KimiRequestError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`resolved with ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).to.be.instanceOf(KimiRequestError);
  return outcome.error as KimiRequestError;
}

const commands = async (sim: Sim) => (await sim.state()).received.map((r) => JSON.parse(r.text) as Record<string, unknown>);

describe('request()', function () {
  this.timeout(20_000);
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('resolves with the reply of each of the three commands, matched by a generated requestId, and dispatches it too', async () => {
    const el = await mountRealtime({ url: sim.url });
    const events = record(el, 'kimi:message');
    const preview = await el.request({ type: 'memory_compress_preview', strategy: 'token', threshold: 0.3 });
    expect(preview.type).to.equal('memory_compress_preview_response');
    expect(preview.result!.space_saved).to.equal('423 tokens');
    expect(preview.requestId)
      .to.be.a('string')
      .and.match(/^kimi-/);
    const execute = await el.request({ type: 'memory_compress_execute', dryRun: true });
    expect(execute.type).to.equal('memory_compress_result_response');
    expect(execute.result!.projected_count).to.equal(3);
    const search = await el.request({ type: 'memory_similarity_search', payload: { reference_id: 'mem_004', threshold: 0.5, limit: 5 } });
    expect(search.type).to.equal('memory_similarity_result_response');
    expect(search.result!.results.map((m) => m.id)).to.include('mem_004');
    expect(events.map((m) => [m.type, m.requestId])).to.deep.equal([
      ['memory_compress_preview_response', preview.requestId],
      ['memory_compress_result_response', execute.requestId],
      ['memory_similarity_result_response', search.requestId],
    ]);
    expect(new Set([preview.requestId, execute.requestId, search.requestId]).size).to.equal(3);
    const sent = await commands(sim);
    expect(sent.map((c) => c.requestId)).to.deep.equal([preview.requestId, execute.requestId, search.requestId]);
  });

  it("keeps the caller's requestId, resolves with a failure reply too, and matches concurrent requests to their own replies", async () => {
    const el = await mountRealtime({ url: sim.url });
    const [a, b, c] = await Promise.all([
      el.request({ type: 'memory_compress_preview', requestId: 'mine-1', threshold: 0.01 }),
      el.request({ type: 'memory_similarity_search', requestId: { n: 2 }, payload: { reference_text: 'x', limit: 2 } }),
      el.request({ type: 'memory_compress_preview', requestId: 'mine-3' }),
    ]);
    expect([a.requestId, b.requestId, c.requestId]).to.deep.equal(['mine-1', { n: 2 }, 'mine-3']);
    expect(a.result!.space_saved, 'threshold 0.01: nothing to merge').to.equal('0 tokens');
    expect(b.result, 'a validation error has no result').to.equal(undefined);
    expect(b.error).to.contain('limit');
    expect(c.result!.space_saved).to.equal('423 tokens');
  });

  it('rejects on timeout; a reply arriving later is still dispatched as an event', async () => {
    const el = await mountRealtime({ url: sim.url });
    const late = record(el, 'kimi:memory_compress_preview_response');
    await sim.stall(true);
    const started = performance.now();
    const error = await rejection(el.request({ type: 'memory_compress_preview', requestId: 'slow' }, { timeout: 200 }));
    expect(performance.now() - started).to.be.within(150, 1500);
    expect([error.kind, error.command, error.requestId]).to.deep.equal(['timeout', 'memory_compress_preview', 'slow']);
    expect(error.message).to.contain('no reply within 200 ms');
    await sim.stall(false);
    await until(() => late.length === 1, { what: 'the late reply as an event' });
  });

  it('rejects on abort: before sending (nothing sent), while awaiting the reply, and while queued (never sent)', async () => {
    const el = await mountRealtime({ url: sim.url, 'reconnect-delay': 300, 'reconnect-jitter': 0 });
    const before = new AbortController();
    before.abort(new Error('changed my mind'));
    const early = await rejection(el.request({ type: 'memory_compress_preview' }, { signal: before.signal }));
    expect(early.kind).to.equal('aborted');
    expect((early.cause as Error).message).to.equal('changed my mind');
    await sim.stall(true);
    const waiting = new AbortController();
    const pending = el.request({ type: 'memory_compress_preview', requestId: 'w' }, { signal: waiting.signal });
    await sleep(50);
    waiting.abort();
    expect((await rejection(pending)).kind).to.equal('aborted');
    await sim.stall(false);
    // Queued while the server restarts, aborted before the connection is back: never sent.
    await sim.restart(600);
    await until(() => el.state === 'reconnecting');
    const queued = new AbortController();
    const inQueue = el.request({ type: 'memory_compress_execute', requestId: 'queued', dryRun: true }, { signal: queued.signal });
    const kept = el.request({ type: 'memory_compress_preview', requestId: 'kept' });
    expect(el.stats.queueDepth).to.equal(2);
    queued.abort();
    expect((await rejection(inQueue)).kind).to.equal('aborted');
    expect(el.stats.queueDepth).to.equal(1);
    expect((await kept).requestId).to.equal('kept');
    const sent = await commands(sim);
    // 'w' had gone out before it was aborted; 'queued' never did.
    expect(sent.map((c) => c.requestId)).to.deep.equal(['w', 'kept']);
  });

  it('rejects on disconnect: the connection lost before the reply, disconnect(), removal, and when not connected', async () => {
    const el = await mountRealtime({ url: sim.url, 'reconnect-delay': 100 });
    await sim.stall(true);
    const lost = rejection(el.request({ type: 'memory_compress_preview' }));
    await sleep(50);
    await sim.drop();
    const error = await lost;
    expect(error.kind).to.equal('disconnected');
    expect(error.message).to.contain('connection closed before the reply came');
    await sim.stall(false);
    await until(() => el.state === 'open');
    await sim.stall(true);
    const cut = el.request({ type: 'memory_compress_preview' });
    el.disconnect();
    expect((await rejection(cut)).kind).to.equal('disconnected');
    expect((await rejection(el.request({ type: 'memory_compress_preview' }))).message).to.contain('not connected (closed)');
    el.connect();
    await until(() => el.state === 'open');
    const removed = el.request({ type: 'memory_compress_preview' });
    el.remove();
    expect((await rejection(removed)).kind).to.equal('disconnected');
  });

  it('rejects what is not a request: no reply type, unserializable, a bad timeout', async () => {
    const el = await mountRealtime({ url: sim.url });
    const loose = el as unknown as { request(c: unknown, o?: unknown): Promise<unknown> };
    expect((await rejection(loose.request({ type: 'note' }))).kind).to.equal('invalid');
    const cyclic: Record<string, unknown> = { type: 'memory_compress_preview' };
    cyclic.self = cyclic;
    expect((await rejection(loose.request(cyclic))).kind).to.equal('invalid');
    expect((await rejection(loose.request({ type: 'memory_compress_preview' }, { timeout: -1 }))).message).to.contain('timeout');
    expect((await sim.state()).receivedCount).to.equal(0);
  });

  it('with a shared socket, a direct reply reaches only the element that asked; the broadcast reaches all', async () => {
    const els: KimiRealtime[] = [];
    for (let i = 0; i < 3; i++) els.push(await mountRealtime({ url: sim.url }));
    expect((await sim.state()).clientCount).to.equal(1);
    const [a, b, c] = els as [KimiRealtime, KimiRealtime, KimiRealtime];
    const replies = els.map((el) => record(el, 'kimi:message'));
    const onDocument = record(document, 'kimi:memory_compress_result_response');
    const reply = await a.request({ type: 'memory_compress_execute' });
    await until(() => replies.every((r) => r.some((m) => m.type === 'memory_compression_completed')), { what: 'the broadcast everywhere' });
    // send() without a requestId: one is added, so the reply goes to the sender only.
    b.send({ type: 'memory_similarity_search', payload: { reference_id: 'mem_001', threshold: 0.5 } });
    c.send({ type: 'memory_compress_preview', requestId: null });
    await until(() => replies[1]!.length === 2 && replies[2]!.length === 2, { what: 'b and c replies' });
    await sleep(100);
    expect(replies.map((r) => r.map((m) => m.type))).to.deep.equal([
      ['memory_compression_completed', 'memory_compress_result_response'],
      ['memory_compression_completed', 'memory_similarity_result_response'],
      ['memory_compression_completed', 'memory_compress_preview_response'],
    ]);
    expect(onDocument.map((m) => m.requestId)).to.deep.equal([reply.requestId]);
    expect((await commands(sim))[1]!.requestId, 'send() added a requestId').to.match(/^kimi-/);
    // Every element counted every frame: the replies for others as filtered.
    expect(els.map((e) => e.stats.framesReceived)).to.deep.equal([4, 4, 4]);
    expect(els.map((e) => e.stats.filtered)).to.deep.equal([2, 2, 2]);
  });
});
