import { expect } from '@open-wc/testing';
import { Sim, until, sleep } from './helpers/simulator.js';
import { mountRealtime, record } from './helpers/element.js';
import type { KimiErrorDetail, KimiRequestError } from '../../src/index.js';

const sentTexts = async (sim: Sim) => (await sim.state()).received.map((r) => JSON.parse(r.text));

describe('<kimi-realtime> send queue', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('sends JSON at once when open', async () => {
    const el = await mountRealtime({ url: sim.url });
    expect(el.send({ type: 'memory_compress_preview', requestId: 'a' })).to.equal(true);
    const replies = record(el, 'kimi:memory_compress_preview_response');
    await until(() => replies.length === 1, { what: 'reply' });
    expect(replies[0].requestId).to.equal('a');
  });

  it('queues while not open and sends once, in order, when the connection opens', async () => {
    const el = await mountRealtime({ url: sim.url, manual: true }, { waitOpen: false });
    for (let i = 0; i < 5; i++) expect(el.send({ type: 'note', n: i })).to.equal(false);
    expect(el.stats.queueDepth).to.equal(5);
    el.connect();
    await until(async () => (await sim.state()).receivedCount === 5, { what: '5 frames on the server' });
    expect((await sentTexts(sim)).map((m) => m.n)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(el.stats.queueDepth).to.equal(0);
  });

  it('bounds the queue by max-queue: refuses the new message, says which, and sends every accepted one', async () => {
    const el = await mountRealtime({ url: sim.url, manual: true, 'max-queue': 3 }, { waitOpen: false });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    for (let i = 0; i < 5; i++) expect(el.send({ type: 'note', n: i })).to.equal(false);
    expect(errors.map((e) => e.kind)).to.deep.equal(['queue-overflow', 'queue-overflow']);
    expect(errors.map((e) => (e.dropped as { n: number }).n)).to.deep.equal([3, 4]);
    expect(el.stats.queueDepth).to.equal(3);
    el.connect();
    await until(async () => (await sim.state()).receivedCount === 3);
    await sleep(100);
    expect((await sentTexts(sim)).map((m) => m.n)).to.deep.equal([0, 1, 2]);
  });

  it('lowering max-queue below the queued count keeps them all and refuses new ones until it drains', async () => {
    const el = await mountRealtime({ url: sim.url, manual: true, 'max-queue': 5 }, { waitOpen: false });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    for (let i = 0; i < 4; i++) el.send({ type: 'note', n: i });
    el.maxQueue = 2;
    await el.updateComplete;
    expect(errors).to.deep.equal([]);
    expect(el.stats.queueDepth).to.equal(4);
    el.send({ type: 'note', n: 4 });
    expect(errors.map((e) => [e.kind, (e.dropped as { n: number }).n])).to.deep.equal([['queue-overflow', 4]]);
    el.connect();
    await until(async () => (await sim.state()).receivedCount === 4);
    expect((await sentTexts(sim)).map((m) => m.n)).to.deep.equal([0, 1, 2, 3]);
    expect(el.send({ type: 'note', n: 5 })).to.equal(true);
    await until(async () => (await sim.state()).receivedCount === 5);
  });

  it('a request refused by the full queue rejects with queue-overflow; the queued ones still go out', async () => {
    const el = await mountRealtime({ url: sim.url, 'max-queue': 1, 'reconnect-delay': 100, 'reconnect-jitter': 0 });
    await sim.drop();
    await until(() => el.state !== 'open', { what: 'drop' });
    el.send({ type: 'note', n: 0 });
    const refused = await el.request({ type: 'memory_compress_preview' }).then(
      () => null,
      (e: KimiRequestError) => e,
    );
    expect(refused?.kind).to.equal('queue-overflow');
    await until(() => el.state === 'open', { what: 'reopen' });
    await until(async () => (await sim.state()).receivedCount === 1);
    expect((await sentTexts(sim)).map((m) => m.n)).to.deep.equal([0]);
  });

  it('sends each queued message exactly once across many reconnects (no duplicate send listeners)', async () => {
    const el = await mountRealtime({ url: sim.url, 'reconnect-delay': 50, 'reconnect-jitter': 0 });
    let n = 0;
    for (let round = 0; round < 6; round++) {
      await sim.drop();
      await until(() => el.state !== 'open', { what: `drop ${round}` });
      el.send({ type: 'note', n: n++ });
      el.send({ type: 'note', n: n++ });
      await until(() => el.state === 'open', { what: `reopen ${round}` });
      el.send({ type: 'note', n: n++ });
    }
    await until(async () => (await sim.state()).receivedCount >= n, { what: `${n} frames` });
    await sleep(200);
    expect((await sentTexts(sim)).map((m) => m.n)).to.deep.equal(Array.from({ length: n }, (_, i) => i));
  });

  it('refuses what JSON cannot represent, with a kimi:error', async () => {
    const el = await mountRealtime({ url: sim.url });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    const cyclic: Record<string, unknown> = { type: 'x' };
    cyclic.self = cyclic;
    expect(el.send(cyclic)).to.equal(false);
    expect(errors[0]!.kind).to.equal('unserializable');
    expect(el.stats.queueDepth).to.equal(0);
  });
});
