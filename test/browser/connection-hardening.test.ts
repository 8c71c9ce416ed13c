// The socket layer under an adversary (issue #18): bounds that refuse rather than forget, tabs grouped by
// exactly equal credentials, and sockets released when the document of an adopted element goes away.
import { expect, fixture, html } from '@open-wc/testing';
import { Sim, until, sleep } from './helpers/simulator.js';
import { mountRealtime, record } from './helpers/element.js';
import { metric } from './helpers/frames.js';
import { KimiRequestError, type KimiErrorDetail } from '../../src/index.js';
import { channelName } from '../../src/connection/tab-link.js';
import { MAX_AWAITED } from '../../src/connection/reply-owners.js';

/** FNV-1a, 32 bits: the hash the tabs were once grouped by. */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Two different tokens with the same FNV-1a-32 hash, found by a birthday search (a new pair each run). */
function collidingTokens(): [string, string] {
  const seen = new Map<number, string>();
  const salt = Math.random().toString(36).slice(2, 6);
  for (let i = 0; ; i++) {
    const token = `tok-${salt}-${i.toString(36)}`;
    const hash = fnv1a32(token);
    const other = seen.get(hash);
    if (other !== undefined) return [other, token];
    seen.set(hash, token);
  }
}

describe('the socket layer under an adversary', function () {
  this.timeout(60_000);
  let sim: Sim;
  afterEach(async () => {
    await sim.close();
  });

  it(`the reply bound refuses a request past ${MAX_AWAITED} awaited replies (KimiRequestError refused) and never hands one of A's replies to B`, async () => {
    sim = await Sim.create();
    const a = await mountRealtime({ url: sim.url });
    const b = await mountRealtime({ url: sim.url });
    const bReplies = record<{ type: string }>(b, 'kimi:memory_compress_preview_response');
    const aReplies = record<{ type: string }>(a, 'kimi:memory_compress_preview_response');
    // The server reads nothing meanwhile: every request written stays awaited.
    await sim.stall(true);
    const extra = 300;
    const outcomes = Array.from({ length: MAX_AWAITED + extra }, () =>
      a.request({ type: 'memory_compress_preview' }, { timeout: 30_000 }).then(
        () => 'resolved',
        (error: unknown) => (error instanceof KimiRequestError ? error.kind : String(error)),
      ),
    );
    await sleep(50);
    await sim.stall(false);
    const kinds = await Promise.all(outcomes);
    const count = (kind: string) => kinds.filter((k) => k === kind).length;
    expect({ resolved: count('resolved'), refused: count('refused') }).to.deep.equal({ resolved: MAX_AWAITED, refused: extra });
    await sleep(200);
    expect(aReplies.length).to.equal(MAX_AWAITED);
    expect(bReplies.length, "A's replies that reached B").to.equal(0);
    expect((await sim.state(10_000)).receivedCount, 'commands written').to.equal(MAX_AWAITED);
  });

  it(`requests that gave up free their reply slots: against a server that never answers, ${MAX_AWAITED} timed-out requests do not refuse the next ones; late replies reach their element only; the reply of an element that left reaches no other`, async () => {
    sim = await Sim.create();
    const a = await mountRealtime({ url: sim.url });
    const b = await mountRealtime({ url: sim.url });
    const c = await mountRealtime({ url: sim.url });
    const ids = (el: Element) => record<{ requestId: unknown }>(el, 'kimi:memory_compress_preview_response');
    const [aReplies, bReplies, cReplies] = [ids(a), ids(b), ids(c)];
    await sim.stall(true);
    const kind = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (error: unknown) => (error instanceof KimiRequestError ? error.kind : String(error)),
      );
    const gaveUp: string[] = [];
    // In chunks, so commands awaiting their write (or the leader tab's acknowledgement) stay under their own bound.
    for (let c = 0; c < MAX_AWAITED / 100; c++) {
      const chunk = Array.from({ length: 100 }, (_, i) => kind(a.request({ type: 'memory_compress_preview', requestId: `t${c}-${i}` }, { timeout: 20 })));
      gaveUp.push(...(await Promise.all(chunk)));
    }
    expect([...new Set(gaveUp)]).to.deep.equal(['timeout']);
    // Aborted ones give their slots back too.
    const abort = new AbortController();
    const aborted = kind(a.request({ type: 'memory_compress_preview', requestId: 'aborted' }, { signal: abort.signal }));
    abort.abort();
    expect(await aborted).to.equal('aborted');
    // Before: refused at once ("1000 replies awaited on the connection").
    const next = Array.from({ length: 50 }, (_, i) => kind(a.request({ type: 'memory_compress_preview', requestId: `n${i}` }, { timeout: 30_000 })));
    const left = kind(c.request({ type: 'memory_compress_preview', requestId: 'left' }, { timeout: 30_000 }));
    await sleep(50);
    c.remove();
    expect(await left).to.equal('disconnected');
    await sim.stall(false);
    expect([...new Set(await Promise.all(next))]).to.deep.equal(['resolved']);
    await until(() => aReplies.length === MAX_AWAITED + 1 + 50, { what: 'every reply of A, late ones included', timeout: 20_000 });
    await sleep(200);
    expect(aReplies.map((r) => r.requestId)).to.not.include('left');
    expect(bReplies.length, 'replies that reached B').to.equal(0);
    expect(cReplies.length, 'replies that reached the removed C').to.equal(0);
    expect((await sim.state(10_000)).receivedCount, 'commands written').to.equal(MAX_AWAITED + 1 + 50 + 1);
  });

  it('a refused send() is reported as kimi:error send-refused with the command, and is not sent', async () => {
    sim = await Sim.create();
    const a = await mountRealtime({ url: sim.url });
    const errors = record<KimiErrorDetail>(a, 'kimi:error');
    await sim.stall(true);
    for (let i = 0; i < MAX_AWAITED + 2; i++) a.send({ type: 'memory_compress_preview', requestId: `r${i}` });
    await sim.stall(false);
    await until(async () => (await sim.state(10_000)).receivedCount === MAX_AWAITED, { what: 'the accepted commands at the server' });
    const refused = errors.filter((e) => e.kind === 'send-refused');
    expect(refused.map((e) => (e.dropped as { requestId: string }).requestId)).to.deep.equal([`r${MAX_AWAITED}`, `r${MAX_AWAITED + 1}`]);
    expect(refused[0]!.message).to.match(/bound/);
  });

  it('tabs are grouped by exactly equal credentials: tokens with one FNV-1a-32 hash get different channels, and the rejected one gets nothing', async () => {
    const [good, bad] = collidingTokens();
    expect(fnv1a32(good)).to.equal(fnv1a32(bad));
    const url = 'ws://127.0.0.1:1/ws';
    expect(await channelName({ url, token: good, authVia: 'query', own: false })).not.to.equal(
      await channelName({ url, token: bad, authVia: 'query', own: false }),
    );
    expect(await channelName({ url, token: good, authVia: 'query', own: false })).not.to.contain(good);

    sim = await Sim.create({ auth: { token: good, via: 'query' } });
    const mount = async (token: string) => {
      const el = document.createElement('kimi-realtime');
      el.url = sim.url;
      el.noHydrate = true;
      el.reconnectDelay = 100;
      el.token = token;
      const errors = record<KimiErrorDetail>(el, 'kimi:error');
      const frames = record(el, 'kimi:metric_updated');
      await fixture(html`<div>${el}</div>`);
      return { el, errors, frames };
    };
    const a = await mount(good);
    await until(() => a.el.state === 'open', { what: 'the good token open' });
    const b = await mount(bad);
    await until(() => b.errors.some((e) => e.kind === 'auth'), { what: 'the bad token refused' });
    await sim.push(...Array.from({ length: 5 }, (_, k) => metric(1, k)));
    await until(() => a.frames.length === 5, { what: 'frames for the good token' });
    await sleep(200);
    expect(b.frames.length, 'frames that reached the rejected token').to.equal(0);
    expect(b.el.state).to.equal('closed');
    expect(b.el.stats.connection).to.equal(null);
  });

  it('an element adopted into an iframe releases its socket when the iframe is removed or navigated (10 cycles each)', async () => {
    sim = await Sim.create();
    const clients = async () => (await sim.state()).clientCount;
    for (const how of ['remove', 'navigate'] as const) {
      for (let i = 0; i < 10; i++) {
        const frame = document.createElement('iframe');
        document.body.append(frame);
        await until(() => frame.contentDocument?.readyState === 'complete', { what: 'iframe ready' });
        // Rendered in this document first, then adopted (a shadow root's constructed sheets cannot be created in another document).
        const el = await mountRealtime({ url: sim.url });
        const doc = frame.contentDocument!;
        doc.body.append(doc.adoptNode(el));
        await sleep(20);
        expect(el.state, `cycle ${i} still open in the iframe`).to.equal('open');
        await until(async () => (await clients()) === 1, { what: `cycle ${i}: one socket` });
        if (how === 'remove') frame.remove();
        else frame.srcdoc = '<p>another document</p>';
        await until(async () => (await clients()) === 0, { what: `${how} ${i}: the socket released at the server` });
        expect(el.state, `${how} ${i}`).to.equal('closed');
        frame.remove();
      }
    }
  });

  it('an element moved into a document without a window releases its socket', async () => {
    sim = await Sim.create();
    const inert = document.implementation.createHTMLDocument('inert');
    const el = await mountRealtime({ url: sim.url });
    inert.body.append(inert.adoptNode(el));
    await until(async () => (await sim.state()).clientCount === 0, { what: 'the socket released at the server' });
    expect(el.state).to.equal('closed');
  });
});
