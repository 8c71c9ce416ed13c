// Tokens: providers that hang or throw, tokens of any text, and no token in any printed line.
import { expect, fixture, html } from '@open-wc/testing';
import { Sim, until, sleep } from './helpers/simulator.js';
import { record } from './helpers/element.js';
import type { KimiErrorDetail, KimiRealtime, KimiStatusDetail, TokenSource } from '../../src/index.js';

async function mount(
  url: string,
  props: Partial<Pick<KimiRealtime, 'authVia' | 'debug' | 'connectTimeout' | 'reconnectDelay' | 'reconnectJitter'>>,
  token: TokenSource,
) {
  const el = document.createElement('kimi-realtime');
  el.url = url;
  Object.assign(el, { reconnectJitter: 0, ...props });
  el.token = token;
  const errors = record<KimiErrorDetail>(el, 'kimi:error');
  const statuses = record<KimiStatusDetail>(el, 'kimi:status');
  await fixture(html`<div>${el}</div>`);
  return { el, errors, statuses };
}

/** Captures every console call while `body` runs. */
async function captureConsole(body: (lines: string[]) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const methods = ['log', 'debug', 'info', 'warn', 'error'] as const;
  const original = methods.map((m) => console[m]);
  for (const m of methods)
    console[m] = (...args: unknown[]) => lines.push(args.map((a) => (typeof a === 'string' ? a : (JSON.stringify(a) ?? String(a)))).join(' '));
  try {
    await body(lines);
  } finally {
    methods.forEach((m, i) => (console[m] = original[i]!));
  }
  return lines;
}

describe('<kimi-realtime> token provider', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('a provider that never resolves: kimi:error kind token after connect-timeout, then the normal backoff', async () => {
    let calls = 0;
    // Timed from the first call of the provider (the attempt), not from the end of mounting, which on a
    // loaded machine can come well after the attempt began.
    let askedAt = 0;
    const { el, errors, statuses } = await mount(sim.url, { connectTimeout: 300, reconnectDelay: 200 }, () => {
      calls++;
      askedAt ||= performance.now();
      return new Promise<string>(() => {});
    });
    await until(() => errors.some((e) => e.kind === 'token'), { timeout: 3000, what: 'a token error' });
    expect(performance.now() - askedAt).to.be.within(250, 1500);
    expect(el.state).to.equal('reconnecting');
    const retry = statuses.find((s) => s.nextRetryAt !== null)!;
    expect(retry.attempt).to.equal(1);
    await until(() => calls >= 2, { what: 'the provider asked again after the retry delay' });
    expect(errors.every((e) => e.kind === 'token' && /connect-timeout \(300 ms\)/.test(e.message))).to.equal(true);
    // A provider that answers again: connected.
    el.token = async () => 'fine';
    el.connect();
    await until(() => el.state === 'open', { timeout: 3000 });
  });

  it('a provider that throws or returns a non-string: kimi:error kind token, no token text, retried with backoff', async () => {
    for (const provider of [
      () => {
        throw new Error('tok-SECRET-1');
      },
      async () => {
        throw new Error('tok-SECRET-2');
      },
      async () => 42 as unknown as string,
    ]) {
      let calls = 0;
      const { el, errors, statuses } = await mount(sim.url, { reconnectDelay: 150 }, () => {
        calls++;
        return provider();
      });
      await until(() => calls >= 2, { what: 'a retry' });
      const tokenErrors = errors.filter((e) => e.kind === 'token');
      expect(tokenErrors.length).to.be.at.least(1);
      expect(tokenErrors.some((e) => /SECRET/.test(e.message + (e.excerpt ?? '')))).to.equal(false);
      expect(
        statuses
          .filter((s) => s.nextRetryAt !== null)
          .map((s) => s.attempt)
          .slice(0, 2),
      ).to.deep.equal([1, 2]);
      el.remove();
    }
  });

  it('disconnect() while a retry waits: the provider is not called again (nor after connect(); disconnect() in one go)', async () => {
    let calls = 0;
    const { el } = await mount(sim.url, { reconnectDelay: 300 }, async () => {
      calls++;
      return 'x';
    });
    await until(() => el.state === 'open');
    await sim.drop();
    await until(() => el.state === 'reconnecting');
    const before = calls;
    el.disconnect();
    await sleep(600);
    expect(calls, 'after disconnect()').to.equal(before);
    el.connect();
    await until(() => el.state === 'open');
    await sim.drop();
    await until(() => el.state === 'reconnecting');
    const again = calls;
    el.connect(); // cuts the wait short…
    el.disconnect(); // …and is closed in the same task
    await sleep(400);
    expect(calls, 'after connect(); disconnect()').to.equal(again);
    expect(el.state).to.equal('closed');
  });
});

describe('<kimi-realtime> reports never hold a token', () => {
  it('a token written into url or api-url stays out of every kimi:error, the HTTP side included', async () => {
    const sim = await Sim.create({ activeSession: 1 });
    try {
      const el = document.createElement('kimi-realtime');
      el.url = `${sim.url}?token=SECRET-IN-URL`;
      el.apiUrl = 'http://127.0.0.1:9/?token=SECRET-IN-API';
      const errors = record<KimiErrorDetail>(el, 'kimi:error');
      await fixture(html`<div>${el}</div>`);
      await until(() => errors.some((e) => e.kind === 'hydration'), { what: 'a hydration error' });
      expect(errors.find((e) => e.kind === 'hydration')!.message).to.contain('token=[redacted]');
      expect(errors.filter((e) => /SECRET/.test(e.message))).to.deep.equal([]);
    } finally {
      await sim.close();
    }
  });
});

describe('<kimi-realtime> tokens of any text', () => {
  const TOKEN = 'a+b/c== é🔑 ;,"x"';

  for (const via of ['protocol', 'query'] as const) {
    it(`auth-via="${via}": a token with + / = spaces, quotes and non-ASCII connects`, async () => {
      const sim = await Sim.create({ auth: { token: TOKEN, via } });
      try {
        const { el, errors } = await mount(sim.url, { authVia: via, reconnectDelay: 100 }, TOKEN);
        await until(() => el.state === 'open', { timeout: 3000, what: 'open' });
        expect(errors).to.deep.equal([]);
        expect((await sim.state()).authRejected).to.equal(0);
      } finally {
        await sim.close();
      }
    });
  }

  it('debug on: no console line and no kimi:error holds the token, raw or encoded, on success or failure', async () => {
    const sim = await Sim.create({ auth: { token: TOKEN, via: 'protocol' } });
    const gone = await Sim.create();
    const deadUrl = gone.url; // nothing listens there once closed: every attempt fails
    await gone.close();
    const encoded = btoa(String.fromCharCode(...new TextEncoder().encode(TOKEN)))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    const secrets = [TOKEN, encodeURIComponent(TOKEN), new URLSearchParams({ t: TOKEN }).toString().slice(2), encoded, 'é🔑'];
    const reported: KimiErrorDetail[] = [];
    try {
      const lines = await captureConsole(async () => {
        const ok = await mount(sim.url, { authVia: 'protocol', debug: true, reconnectDelay: 100 }, async () => TOKEN);
        await until(() => ok.el.state === 'open');
        await sim.drop();
        await until(() => ok.el.stats.reconnects === 1);
        reported.push(...ok.errors);
        ok.el.remove();
        // Failing attempts: a token from the provider (both ways), and one written into the url itself.
        const failures: [string, 'protocol' | 'query', TokenSource][] = [
          [deadUrl, 'protocol', async () => TOKEN],
          [deadUrl, 'query', async () => TOKEN],
          [`${deadUrl}?token=${encodeURIComponent(TOKEN)}`, 'query', null],
        ];
        for (const [url, via, token] of failures) {
          const failing = await mount(url, { authVia: via, debug: true, reconnectDelay: 100 }, token);
          await until(() => failing.errors.filter((e) => e.kind === 'connection').length >= 2, { what: `failed attempts (${via})` });
          reported.push(...failing.errors);
          failing.el.remove();
          await sleep(10);
        }
      });
      expect(lines.length, 'debug logging was on').to.be.above(5);
      expect(
        lines.some((l) => l.includes('?token=[redacted]')),
        'the URL with a token was logged, redacted',
      ).to.equal(true);
      expect(reported.filter((e) => e.kind === 'connection').every((e) => e.message.includes(deadUrl.replace(/\/ws$/, '')))).to.equal(true);
      for (const secret of secrets) {
        expect(
          lines.filter((l) => l.includes(secret)),
          `console lines holding ${secret}`,
        ).to.deep.equal([]);
        expect(
          reported.filter((e) => JSON.stringify(e).includes(secret)),
          `errors holding ${secret}`,
        ).to.deep.equal([]);
      }
    } finally {
      await sim.close();
    }
  });
});
