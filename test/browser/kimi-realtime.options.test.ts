// Numeric attributes and properties: one validating converter, defaults on bad input, a floor under retries.
import { expect, fixture, html } from '@open-wc/testing';
import { Sim, until, sleep } from './helpers/simulator.js';
import { mountRealtime, record } from './helpers/element.js';
import type { KimiErrorDetail, KimiRealtime, KimiStatusDetail } from '../../src/index.js';

/** Every numeric option of <kimi-realtime>: property, default, a valid value, an out-of-range value. */
const NUMERIC: [attribute: string, property: keyof KimiRealtime, fallback: number | null, valid: string, outOfRange: string][] = [
  ['reconnect-delay', 'reconnectDelay', 3000, '250', '-1'],
  ['reconnect-delay-max', 'reconnectDelayMax', 30000, '5000', '1e12'],
  ['reconnect-growth', 'reconnectGrowth', 2, '1.5', '0.5'],
  ['reconnect-jitter', 'reconnectJitter', 0.2, '0.5', '1.5'],
  ['stable-after', 'stableAfter', 5000, '100', '-5'],
  ['connect-timeout', 'connectTimeout', 4000, '1500', '0'],
  ['idle-timeout', 'idleTimeout', 0, '60000', '-1'],
  ['ping-interval', 'pingInterval', 0, '30000', '3e9'],
  ['max-queue', 'maxQueue', 100, '5', '2.5'],
  ['hydrate-timeout', 'hydrateTimeout', 10000, '500', '50'],
  // null: learned from the server; empty means the same (not an error).
  ['server-utc-offset', 'serverUtcOffset', null, '60', '900'],
];

describe('<kimi-realtime> options', () => {
  it('every numeric attribute: "3s", "", "NaN", out of range → the default and one kimi:error invalid-option naming attribute and value', async () => {
    const el = await mountRealtime({ manual: true }, { waitOpen: false });
    const errors = record<KimiErrorDetail>(document, 'kimi:error');
    for (const [attribute, property, fallback, valid, outOfRange] of NUMERIC) {
      for (const bad of ['3s', fallback === null ? '1.5' : '', 'NaN', outOfRange]) {
        el.setAttribute(attribute, valid);
        expect(el[property], `${attribute}="${valid}"`).to.equal(Number(valid));
        const before = errors.length;
        el.setAttribute(attribute, bad);
        expect(el[property], `${attribute}="${bad}"`).to.equal(fallback);
        await el.updateComplete;
        const raised = errors.slice(before);
        expect(
          raised.map((e) => [e.kind, e.option]),
          `${attribute}="${bad}"`,
        ).to.deep.equal([['invalid-option', attribute]]);
        expect(raised[0]!.excerpt).to.equal(`"${bad}"`);
        expect(raised[0]!.message)
          .to.contain(attribute)
          .and.contain(`"${bad}"`)
          .and.contain(`using ${fallback ?? 'none'}`);
      }
    }
  });

  it('removing an attribute restores the default, silently (the null after removal never reaches the backoff)', async () => {
    const el = await mountRealtime({ manual: true }, { waitOpen: false });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    for (const [attribute, property, fallback, valid] of NUMERIC) {
      el.setAttribute(attribute, valid);
      el.removeAttribute(attribute);
      expect(el[property], attribute).to.equal(fallback);
    }
    await el.updateComplete;
    expect(errors).to.deep.equal([]);
  });

  it('properties go through the same check; numeric strings are read; a long bad value is cut in the report', async () => {
    const el = await mountRealtime({ manual: true }, { waitOpen: false });
    const errors = record<KimiErrorDetail>(el, 'kimi:error');
    const loose = el as unknown as Record<string, unknown>;
    loose.reconnectDelay = NaN;
    loose.maxQueue = 2.5;
    loose.reconnectJitter = {};
    loose.connectTimeout = ' 5000 ';
    loose.stableAfter = '9'.repeat(100_000);
    expect([el.reconnectDelay, el.maxQueue, el.reconnectJitter, el.connectTimeout, el.stableAfter]).to.deep.equal([3000, 100, 0.2, 5000, 5000]);
    await el.updateComplete;
    expect(errors.map((e) => e.option)).to.deep.equal(['reconnect-delay', 'max-queue', 'reconnect-jitter', 'stable-after']);
    expect(errors[2]!.excerpt).to.equal('a object');
    expect(errors[3]!.message.length).to.be.below(300);
    // Not an id: reported, and the element follows the server's active session instead.
    loose.sessionId = { toString: 1 };
    await el.updateComplete;
    expect(el.activeSessionId).to.equal(null);
    expect(errors.at(-1)).to.include({ kind: 'invalid-option', option: 'session-id' });
  });

  it('a bad value set before the element is attached is reported once attached, to listeners on the page', async () => {
    const errors = record<KimiErrorDetail>(document, 'kimi:error');
    const el = document.createElement('kimi-realtime');
    el.manual = true;
    el.setAttribute('reconnect-delay', '3s');
    await sleep(20);
    expect(errors).to.deep.equal([]);
    await fixture(html`<div>${el}</div>`);
    await el.updateComplete;
    expect(errors.map((e) => e.option)).to.deep.equal(['reconnect-delay']);
  });
});

describe('<kimi-realtime> retry floor', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  /** Connection attempts scheduled while the server is down for `downMs`. */
  async function attemptsWhileDown(el: KimiRealtime, downMs: number): Promise<number> {
    const statuses = record<KimiStatusDetail>(el, 'kimi:status');
    await sim.restart(downMs);
    const scheduled = statuses.filter((s) => s.nextRetryAt !== null).length;
    return scheduled;
  }

  it('reconnect-delay="0" with full jitter and no growth: retries no faster than every 100 ms', async () => {
    const el = await mountRealtime({ url: sim.url, 'reconnect-delay': 0, 'reconnect-jitter': 1, 'reconnect-growth': 1 });
    const attempts = await attemptsWhileDown(el, 1000);
    await until(() => el.state === 'open', { timeout: 5000, what: 'reopen' });
    console.warn(`[measured] reconnect-delay=0: ${attempts} attempts while the server was down 1 s`);
    expect(attempts, 'attempts in 1 s').to.be.within(1, 11);
  });

  it('a removed or mistyped reconnect-delay keeps the 3 s default: one retry at most while down 1 s', async () => {
    const el = await mountRealtime({ url: sim.url, 'reconnect-delay': 200 });
    el.removeAttribute('reconnect-delay');
    el.setAttribute('reconnect-delay-max', '5s');
    expect([el.reconnectDelay, el.reconnectDelayMax]).to.deep.equal([3000, 30000]);
    const attempts = await attemptsWhileDown(el, 1000);
    expect(attempts).to.be.at.most(1);
    el.disconnect();
  });
});
