import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { mountRealtime, record } from '../../../test/browser/helpers/element.js';
import { loadFixtures, type Fixtures } from '../../../test/browser/helpers/fixtures.js';
import { until, sleep } from '../../../test/browser/helpers/simulator.js';
import type { KimiRealtime, KimiErrorDetail, KimiStatusDetail } from '../../../src/index.js';
import { relayRoomUrl } from '../../../src/protocol/relay.js';

interface RelayPage {
  host: string;
  room: string;
  direct: string;
  control: string;
  tokens: { one: string; all: string; forged: string; otherRoom: string };
}

declare global {
  interface Window {
    __RELAY__: RelayPage;
  }
}

const relay = window.__RELAY__;

async function push(...frames: (string | object)[]): Promise<void> {
  const response = await fetch(`${relay.control}/sim/main/push`, { method: 'POST', body: JSON.stringify({ frames }) });
  if (!response.ok) throw new Error(`push: HTTP ${response.status}`);
}

/** The room's address, for raw sockets and `url` (the element builds it itself from host and room). */
function roomUrl(params: Record<string, string> = {}): string {
  const url = new URL(`ws://${relay.host}/parties/main/${relay.room}`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

/** Mounts an element at the relay with a token (a property: never an attribute). */
async function mountAtRelay(attrs: Record<string, string>, token: string, waitOpen = true): Promise<KimiRealtime> {
  const el = await mountRealtime({ manual: true, ...attrs }, { waitOpen: false });
  el.token = token;
  el.manual = false;
  el.connect();
  if (waitOpen) await until(() => el.state === 'open', { what: 'open at the relay' });
  return el;
}

const withoutSeq = (m: Record<string, unknown>) => {
  const { relay_seq: _seq, ...rest } = m;
  return rest;
};

let end = 0;
/** Pushes frames then a global end marker, and waits until every element saw the marker. */
async function pushAndSettle(elements: KimiRealtime[], frames: (string | object)[]): Promise<void> {
  const marker = { type: 'cline_usage_updated', latest_ts: null, latest_count: 0, imported_count: 0, end: ++end };
  const seen = elements.map((el) => record<Record<string, unknown>>(el, 'kimi:cline_usage_updated'));
  await push(...frames, marker);
  await until(() => seen.every((list) => list.some((m) => m['end'] === marker.end)), { what: 'the end marker everywhere', timeout: 10_000 });
}

describe("relayRoomUrl: PartySocket's address of a room", () => {
  it('wss for public hosts, ws for loopback and private ones; party main by default; session and since in the query', () => {
    expect(relayRoomUrl({ host: 'relay.example.workers.dev', party: '', room: 'lab' }, null, null)).to.equal(
      'wss://relay.example.workers.dev/parties/main/lab',
    );
    expect(relayRoomUrl({ host: 'https://relay.example.workers.dev/', party: 'kimi', room: 'a b' }, '1', 42)).to.equal(
      'wss://relay.example.workers.dev/parties/kimi/a%20b?session=1&since=42',
    );
    expect(relayRoomUrl({ host: '127.0.0.1:8787', party: 'main', room: 'r' }, null, 0)).to.equal('ws://127.0.0.1:8787/parties/main/r?since=0');
    expect(relayRoomUrl({ host: 'localhost:8787', party: 'main', room: 'r' }, '2', null)).to.equal('ws://localhost:8787/parties/main/r?session=2');
    expect(relayRoomUrl({ host: '192.168.1.5:1999', party: 'main', room: 'r' }, null, null)).to.match(/^ws:/);
  });
});

describe('<kimi-realtime> through the relay', () => {
  let fixtures: Fixtures;
  before(async () => {
    fixtures = await loadFixtures();
  });

  it('pinned to a session: the same kimi:* events as a direct connection to Kimi Proxy', async () => {
    const direct = await mountRealtime({ url: relay.direct, 'session-id': '1' });
    const viaRelay = await mountAtRelay({ host: relay.host, room: relay.room, 'session-id': '1' }, relay.tokens.one);
    expect(viaRelay.resolvedUrl).to.match(new RegExp(`^ws://${relay.host}/parties/main/${relay.room}\\?session=1&since=\\d+$`));
    const got = { direct: record<Record<string, unknown>>(direct, 'kimi:message'), relay: record<Record<string, unknown>>(viaRelay, 'kimi:message') };
    const types = { direct: [] as string[], relay: [] as string[] };
    for (const m of fixtures.messages) {
      direct.addEventListener(`kimi:${m['type']}`, () => types.direct.push(String(m['type'])));
      viaRelay.addEventListener(`kimi:${m['type']}`, () => types.relay.push(String(m['type'])));
    }
    await pushAndSettle([direct, viaRelay], fixtures.messages);
    expect(got.relay.length).to.be.greaterThan(15);
    expect(got.relay.map(withoutSeq)).to.deep.equal(got.direct);
    expect(types.relay).to.deep.equal(types.direct);
    expect(got.relay.every((m) => Number.isInteger(m['relay_seq']))).to.equal(true);
    expect(viaRelay.stats.filtered, 'the relay sent only session 1 and global frames').to.equal(0);
    expect(direct.stats.filtered).to.be.greaterThan(0);
  });

  it('following the active session with an all-sessions token: the same events, errors included', async () => {
    const direct = await mountRealtime({ url: relay.direct });
    const viaRelay = await mountAtRelay({ host: relay.host, room: relay.room }, relay.tokens.all);
    await pushAndSettle([direct, viaRelay], []);
    const got = { direct: record<Record<string, unknown>>(direct, 'kimi:message'), relay: record<Record<string, unknown>>(viaRelay, 'kimi:message') };
    const errors = { direct: record<KimiErrorDetail>(direct, 'kimi:error'), relay: record<KimiErrorDetail>(viaRelay, 'kimi:error') };
    await pushAndSettle([direct, viaRelay], [...fixtures.messages, ...fixtures.edge_cases.map((e) => e.frame)]);
    expect(got.relay.map(withoutSeq)).to.deep.equal(got.direct);
    expect(errors.relay.map((e) => e.kind)).to.deep.equal(errors.direct.map((e) => e.kind));
    expect(errors.relay.length).to.be.greaterThan(5);
    expect(viaRelay.activeSessionId).to.equal(direct.activeSessionId);
  });

  it('the token can travel in the subprotocol instead of the URL', async () => {
    const el = await mountAtRelay({ host: relay.host, room: relay.room, 'session-id': '1', 'auth-via': 'protocol' }, relay.tokens.one);
    expect(el.state).to.equal('open');
  });

  it('`url` still connects straight to the room (or to Kimi Proxy)', async () => {
    const el = await mountAtRelay({ url: roomUrl({ session: '1' }), 'session-id': '1' }, relay.tokens.one);
    expect(el.viaRelay).to.equal(false);
    expect(el.state).to.equal('open');
  });

  it('a pinned session that is not active is hydrated by the relay: kimi:hydrate, and no HTTP request to the relay host', async () => {
    const el = await mountRealtime({ manual: true, host: relay.host, room: relay.room, 'session-id': '2' }, { waitOpen: false });
    const hydrations = record<{ sessionId: string; found: boolean; window: number | null }>(el, 'kimi:hydrate');
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    el.token = relay.tokens.all;
    el.connect();
    await until(() => hydrations.length > 0, { what: 'kimi:hydrate' });
    expect(hydrations[0]!.sessionId).to.equal('2');
    expect(hydrations[0]!.found).to.equal(true);
    expect(el.hydration?.sessionId).to.equal('2');
    await sleep(300);
    expect(errors.map((e) => e.kind)).to.not.include('hydration');
    expect(errors.map((e) => e.kind)).to.not.include('unknown-type');
  });

  it('after the relay restarts, the element resumes from its last relay_seq: every frame once, in order', async () => {
    const el = await mountAtRelay(
      { host: relay.host, room: relay.room, 'session-id': '1', 'reconnect-delay': '100', 'reconnect-jitter': '0' },
      relay.tokens.one,
    );
    const got = record<Record<string, unknown>>(el, 'kimi:metric_updated');
    let n = 0;
    let pushing = true;
    const pushed: number[] = [];
    const pump = (async () => {
      while (pushing) {
        const frames = [];
        for (let i = 0; i < 5; i++) {
          n++;
          const session = (n % 2) + 1;
          frames.push({
            type: 'metric_updated',
            metric_id: 50_000 + n,
            session_id: session,
            real_tokens: { total: n, prompt: n, completion: 0, percentage: 0.1 },
            cumulative_tokens: n,
            cumulative_percentage: 0.1,
            alert: null,
            source: 'proxy',
            n,
          });
          if (session === 1) pushed.push(n);
        }
        await push(...frames);
        await sleep(20);
      }
    })();
    await sleep(500);
    await executeServerCommand('relay-restart');
    await until(() => el.stats.reconnects >= 1 && el.state === 'open', { what: 'the reconnect', timeout: 15_000 });
    await sleep(500);
    pushing = false;
    await pump;
    await pushAndSettle([el], []);
    const ns = got.map((m) => m['n']).filter((v) => typeof v === 'number');
    expect(ns).to.deep.equal(pushed);
    const seqs = got.map((m) => m['relay_seq'] as number);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).to.equal(true);
    expect(pushed.length).to.be.greaterThan(50);
  });

  for (const [name, token, code] of [
    ['a forged token', 'forged', 4401],
    ['a token for another room', 'otherRoom', 4403],
  ] as const) {
    it(`refused for ${name}: kimi:error of kind auth (${code}), closed, and no retry`, async () => {
      const el = await mountRealtime({ manual: true, host: relay.host, room: relay.room, 'reconnect-delay': '50' }, { waitOpen: false });
      const errors = record<KimiErrorDetail>(el, 'kimi:error');
      const states = record<KimiStatusDetail>(el, 'kimi:status');
      el.token = relay.tokens[token];
      el.connect();
      await until(() => errors.some((e) => e.kind === 'auth'), { what: 'the auth error' });
      await sleep(1000);
      expect(errors.filter((e) => e.kind === 'auth').map((e) => e.closeCode)).to.deep.equal([code]);
      expect(el.state).to.equal('closed');
      expect(states.map((s) => s.state)).to.not.include('reconnecting');
      expect(el.stats.reconnects).to.equal(0);
    });
  }
});
