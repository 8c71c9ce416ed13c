// Order of upgrade does not matter: children find their <kimi-realtime> whichever is defined first,
// follow a move to another parent, and detach from the old one. Uses fresh tag names, so nothing is
// registered before the test decides the order.
import { expect, fixture, html, nextFrame } from '@open-wc/testing';
import { deliver } from './helpers/frames.js';
import { KimiRealtime, KimiContextGauge } from '../../src/index.js';
import { until } from './helpers/simulator.js';

class LateRealtime extends KimiRealtime {}
class EarlyGauge extends KimiContextGauge {}

const updated = (pct: number) => ({
  type: 'metric_updated',
  metric_id: 1,
  session_id: 1,
  real_tokens: { total: 1, prompt: 1, completion: 0, percentage: pct },
  cumulative_tokens: Math.round((pct * 262144) / 100),
  cumulative_percentage: pct,
  alert: null,
  source: 'proxy',
});
const value = (gauge: Element) => gauge.shadowRoot?.querySelector('[part="value"]')?.textContent?.trim() ?? '';

describe('dashboard children: order of upgrade', () => {
  it('a child defined before its parent attaches once the parent is defined', async () => {
    const root = await fixture<HTMLDivElement>(
      html`<div>
        <order-realtime manual session-id="1"><order-gauge></order-gauge></order-realtime>
      </div>`,
    );
    customElements.define('order-gauge', EarlyGauge);
    const gauge = root.querySelector('order-gauge') as EarlyGauge;
    await until(() => value(gauge) === '–', { what: 'gauge rendered without a source' });
    customElements.define('order-realtime', LateRealtime);
    const source = root.querySelector('order-realtime') as LateRealtime;
    deliver(source, updated(33));
    await until(() => value(gauge) === '33.0 %', { what: 'gauge attached to the late parent' });
  });

  it('a child moved to another parent follows it and leaves the old one', async () => {
    const root = await fixture<HTMLDivElement>(
      html`<div>
        <order-realtime id="a" manual session-id="1"><order-gauge></order-gauge></order-realtime>
        <order-realtime id="b" manual session-id="1"></order-realtime>
      </div>`,
    );
    const a = root.querySelector('#a') as LateRealtime;
    const b = root.querySelector('#b') as LateRealtime;
    const gauge = root.querySelector('order-gauge') as EarlyGauge;
    deliver(a, updated(10));
    await until(() => value(gauge) === '10.0 %');
    b.append(gauge);
    deliver(b, updated(20));
    await until(() => value(gauge) === '20.0 %', { what: 'gauge follows the new parent' });
    deliver(a, updated(90));
    await nextFrame();
    await nextFrame();
    expect(value(gauge)).to.equal('20.0 %');
  });

  it('a parent added around a child later is found', async () => {
    const root = await fixture<HTMLDivElement>(html`<div><order-gauge></order-gauge></div>`);
    const gauge = root.querySelector('order-gauge') as EarlyGauge;
    const source = document.createElement('order-realtime') as LateRealtime;
    source.manual = true;
    source.sessionId = '1';
    root.append(source);
    source.append(gauge);
    deliver(source, updated(44));
    await until(() => value(gauge) === '44.0 %');
  });
});
