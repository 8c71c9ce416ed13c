import { expect, fixture, html, nextFrame } from '@open-wc/testing';
import { deliver } from './helpers/frames.js';
import '../../src/define.js';
import { KimiContextGauge } from '../../src/components/context-gauge/kimi-context-gauge.js';
import type { KimiRealtime } from '../../src/index.js';
import { loadFixtures } from './helpers/fixtures.js';
import { Sim, until } from './helpers/simulator.js';
import { RENDERS } from '../../src/components/shared/dashboard-element.js';
import { setColorScheme, useColorScheme } from './helpers/browser.js';

KimiContextGauge.define();

let metricId = 1;
/** A `metric_updated` of a new request (each request has its own metric id). */
const updated = (pct: number, tokens = Math.round((pct * 262144) / 100)) => ({
  type: 'metric_updated',
  metric_id: metricId++,
  session_id: 1,
  real_tokens: { total: tokens, prompt: tokens - 100, completion: 100, percentage: pct },
  // As the server computes it: tokens ÷ the session model's window.
  cumulative_tokens: tokens,
  cumulative_percentage: (tokens / 262144) * 100,
  alert: null,
  source: 'proxy',
});

async function mount(): Promise<{ source: KimiRealtime; gauge: KimiContextGauge }> {
  const source = await fixture<KimiRealtime>(html`<kimi-realtime manual session-id="1"><kimi-context-gauge></kimi-context-gauge></kimi-realtime>`);
  const gauge = source.querySelector('kimi-context-gauge')!;
  await gauge.updateComplete;
  return { source, gauge };
}

const text = (gauge: KimiContextGauge, part: string) => (gauge.shadowRoot?.querySelector(`[part="${part}"]`)?.textContent ?? '').replace(/\s+/g, ' ').trim();

describe('<kimi-context-gauge>', () => {
  it('shows the value, the max context and the level, green → yellow → red', async () => {
    const { source, gauge } = await mount();
    expect(text(gauge, 'value')).to.equal('–');
    deliver(source, updated(50));
    await nextFrame();
    await gauge.updateComplete;
    expect(text(gauge, 'value')).to.equal('50.0 %');
    expect(text(gauge, 'tokens')).to.equal('131,072 / 262,144 tokens');
    expect(text(gauge, 'level')).to.equal('OK');
    for (const [pct, level, cls] of [
      [85, 'Caution', 'caution'],
      [92, 'Warning', 'warning'],
      [97.5, 'Critical', 'critical'],
    ] as const) {
      deliver(source, updated(pct));
      await nextFrame();
      await gauge.updateComplete;
      expect(text(gauge, 'level')).to.equal(level);
      expect(gauge.shadowRoot!.querySelector('path.fill')!.getAttribute('class')).to.equal(`fill ${cls}`);
    }
    const meter = gauge.shadowRoot!.querySelector('[role="meter"]')!;
    expect(meter.getAttribute('aria-valuenow')).to.equal('97.5');
    expect(meter.getAttribute('aria-valuetext')).to.contain('Critical');
    const colours = ['ok', 'critical'].map((c) => getComputedStyle(gauge.shadowRoot!.querySelector(`path.band.${c}`)!).stroke);
    expect(colours[0]).to.not.equal(colours[1]);
  });

  it("reads init history; shows the proxy readings by default, never relabelled by a log frame's window", async () => {
    const { messages } = await loadFixtures();
    const { source, gauge } = await mount();
    const init = messages.find((m) => m.type === 'init')!;
    deliver(source, init as never);
    await nextFrame();
    await gauge.updateComplete;
    // Newest first; the newest row is an estimate the provider never confirmed (is_estimated 1): not shown.
    const rows = (init as { recent_metrics: { percentage: number; is_estimated: number }[] }).recent_metrics;
    expect(rows[0]!.is_estimated).to.equal(1);
    const newest = rows.find((r) => r.is_estimated === 0)!;
    expect(text(gauge, 'value')).to.equal(`${newest.percentage.toFixed(1)} %`);
    deliver(source, updated(60, 157_286));
    // A Continue CompileChat block with the IDE's window, an error line and a Continue usage line.
    deliver(source, {
      type: 'log_metric',
      source: 'continue_compile_chat',
      source_family: 'continue_compile',
      metrics: { total_tokens: 1500, tools_tokens: 1000, system_message_tokens: 500, percentage: 1.1, max_context: 131072, context_length: 131072 },
      session_id: 1,
      timestamp: '2026-05-07T09:30:00',
    } as never);
    deliver(source, {
      type: 'log_metric',
      source: 'kimi_global_context_limit_error',
      source_family: 'error',
      metrics: { total_tokens: 0, percentage: 0, max_context: 131072 },
      session_id: 1,
      timestamp: '2026-05-07T09:30:00',
    } as never);
    deliver(source, {
      type: 'log_metric',
      source: 'continue_logs',
      source_family: 'continue_logs',
      metrics: { total_tokens: 300512, percentage: 114.6, max_context: 262144 },
      session_id: 1,
      timestamp: '2026-05-07T09:31:00',
    } as never);
    await nextFrame();
    await gauge.updateComplete;
    expect(text(gauge, 'value')).to.equal('60.0 %');
    expect(text(gauge, 'tokens')).to.equal('157,286 / 262,144 tokens');
    expect(text(gauge, 'source')).to.equal('Proxy requests');
    expect(text(gauge, 'level')).to.equal('OK');
  });

  it('shows another source with its own window when asked (usage-source), above 100 % too', async () => {
    const { source, gauge } = await mount();
    gauge.setAttribute('usage-source', 'continue');
    deliver(source, updated(60, 157_286));
    deliver(source, {
      type: 'log_metric',
      source: 'continue_logs',
      source_family: 'continue_logs',
      metrics: { total_tokens: 300512, percentage: 114.6, max_context: 262144 },
      session_id: 1,
      timestamp: '2026-05-07T09:31:00',
    } as never);
    await nextFrame();
    await gauge.updateComplete;
    expect(text(gauge, 'value')).to.equal('114.6 %');
    expect(text(gauge, 'tokens')).to.equal('300,512 / 262,144 tokens');
    expect(text(gauge, 'source')).to.equal('Continue log');
    expect(gauge.shadowRoot!.querySelector('[role="meter"]')!.getAttribute('aria-valuenow')).to.equal('100.0');
    // Switching back refills from what <kimi-realtime> kept.
    gauge.setAttribute('usage-source', 'proxy');
    await nextFrame();
    await gauge.updateComplete;
    expect(text(gauge, 'value')).to.equal('60.0 %');
  });

  it('many messages in one frame cause one render; a session change clears it', async () => {
    const { source, gauge } = await mount();
    await nextFrame();
    const before = gauge[RENDERS];
    for (let i = 0; i < 100; i++) deliver(source, updated(i / 2));
    await nextFrame();
    await nextFrame();
    expect(gauge[RENDERS] - before).to.equal(1);
    expect(text(gauge, 'value')).to.equal('49.5 %');
    source.sessionId = '2';
    await nextFrame();
    await gauge.updateComplete;
    expect(text(gauge, 'value')).to.equal('–');
  });

  it('finds its source by id when it stands elsewhere, whatever the upgrade order', async () => {
    const root = await fixture<HTMLDivElement>(html`<div><kimi-context-gauge source="elsewhere"></kimi-context-gauge></div>`);
    const gauge = root.querySelector('kimi-context-gauge')!;
    const source = document.createElement('kimi-realtime');
    source.id = 'elsewhere';
    source.manual = true;
    source.sessionId = '1';
    root.append(source);
    await until(() => gauge[RENDERS] > 0);
    deliver(source, updated(42));
    await until(() => text(gauge, 'value') === '42.0 %', { what: 'gauge bound to #elsewhere' });
    gauge.remove();
    deliver(source, updated(10));
    await nextFrame();
    expect(text(gauge, 'value')).to.equal('42.0 %');
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`is accessible in the ${scheme} scheme, at every level`, async function () {
      await useColorScheme(this, scheme);
      try {
        const { source, gauge } = await mount();
        for (const pct of [40, 85, 91, 97]) {
          deliver(source, updated(pct));
          await nextFrame();
          await gauge.updateComplete;
          await expect(gauge).to.be.accessible();
        }
      } finally {
        await setColorScheme('light');
      }
    });
  }

  it('shows live data from the simulator', async () => {
    const sim = await Sim.create({ sessions: [1], activeSession: 1, rate: 40, autoSession: false, switchEvery: 0 });
    try {
      const source = await fixture<KimiRealtime>(html`<kimi-realtime url=${sim.url} session-id="1"><kimi-context-gauge></kimi-context-gauge></kimi-realtime>`);
      const gauge = source.querySelector('kimi-context-gauge')!;
      await until(() => /\d+\.\d %/.test(text(gauge, 'value')), { what: 'a live value' });
      await until(() => /of [\d,]+ tokens/.test(gauge.shadowRoot?.querySelector('[role="meter"]')?.getAttribute('aria-valuetext') ?? ''), {
        what: 'the max context',
      });
    } finally {
      await sim.close();
    }
  });
});
