import { expect } from '@open-wc/testing';
import { Sim, until, sleep } from './helpers/simulator.js';
import { metric } from './helpers/frames.js';

const legacyMetric = (session: number, id: number) => ({
  type: 'metric',
  session_id: session,
  session_updated: true,
  alert: null,
  sanitizer: null,
  mcp_memory: null,
  metric: {
    id,
    timestamp: '2026-05-07T09:06:04.918273',
    estimated_tokens: 1000,
    cumulative_tokens: 1000,
    percentage: 0.4,
    is_estimated: true,
    source: 'proxy',
  },
});

/** Loads a page into an iframe, with console.log/warn captured before anything else runs. */
async function page(body: string): Promise<{ win: Window & { logged: unknown[][]; warned: unknown[][] }; frame: HTMLIFrameElement }> {
  const frame = document.createElement('iframe');
  frame.srcdoc = `<!doctype html><html><head><script>
    window.logged = []; window.warned = [];
    console.log = (...a) => window.logged.push(a); console.warn = (...a) => window.warned.push(a);
  </script></head><body>${body}</body></html>`;
  const loaded = new Promise((r) => frame.addEventListener('load', r, { once: true }));
  document.body.append(frame);
  await loaded;
  return { win: frame.contentWindow as Window & { logged: unknown[][]; warned: unknown[][] }, frame };
}

describe('script-tag bundles: the three-line page', () => {
  let sim: Sim;
  beforeEach(async () => {
    sim = await Sim.create();
  });
  afterEach(async () => {
    await sim.close();
  });

  for (const [name, loader] of [
    ['IIFE', '<script src="/dist/cdn/kimi-realtime.iife.js"></script>'],
    ['ES module', '<script type="module" src="/dist/cdn/kimi-realtime.esm.js"></script>'],
  ] as const) {
    it(`${name}: logs a kimi:metric reading for every usage frame of session 1 (current and legacy server) and nothing of session 2`, async () => {
      const { win, frame } = await page(`${loader}
<kimi-realtime url="${sim.url}" session-id="1"></kimi-realtime>
<script>document.addEventListener('kimi:metric', e => e.detail.origin === 'live' && console.log(e.detail))</script>`);
      const el = win.document.querySelector('kimi-realtime') as HTMLElement & { state: string };
      await until(() => el.state === 'open', { what: 'open' });
      await sim.push(metric(1, 1), metric(2, 2), legacyMetric(1, 3), legacyMetric(2, 4), metric(1, 5));
      await until(() => win.logged.length >= 3, { what: 'three logs' });
      await sleep(50);
      const logged = win.logged.map((a) => a[0] as { metricId: number; sessionId: string; frame: string; percentage: number });
      expect(logged.map((r) => [r.metricId, r.sessionId, r.frame])).to.deep.equal([
        [1, '1', 'metric_updated'],
        [3, '1', 'metric'],
        [5, '1', 'metric_updated'],
      ]);
      expect(logged[0]!.percentage).to.equal(1);
      frame.remove();
    });
  }

  it('two copies of the bundle on one page: a console warning, no crash, the element works', async () => {
    const { win, frame } = await page(`<script src="/dist/cdn/kimi-realtime.iife.js"></script>
<script src="/dist/cdn/kimi-realtime.iife.js"></script>
<script type="module" src="/dist/cdn/kimi-realtime.esm.js"></script>
<kimi-realtime url="${sim.url}" session-id="1"></kimi-realtime>
<script>window.errors = []; addEventListener('error', e => window.errors.push(e.message));
document.addEventListener('kimi:metric', e => e.detail.origin === 'live' && console.log(e.detail))</script>`);
    const el = win.document.querySelector('kimi-realtime') as HTMLElement & { state: string };
    await until(() => el.state === 'open');
    await until(() => win.warned.length >= 2, { what: 'warnings from the second and third copy' });
    expect(String(win.warned[0]![0])).to.match(/already defined/);
    expect((win as unknown as { errors: string[] }).errors).to.deep.equal([]);
    await sim.push(legacyMetric(1, 7));
    await until(() => win.logged.length === 1);
    frame.remove();
  });
  for (const [name, loader] of [
    ['IIFE', '<script src="/dist/cdn/kimi-realtime.iife.js"></script>'],
    ['ES module', '<script type="module" src="/dist/cdn/kimi-realtime.esm.js"></script>'],
  ] as const)
    it(`${name}: the full bundle renders every element as the npm build does (template minifier and shortened names included)`, async () => {
      const body = `<kimi-realtime url="${sim.url}" session-id="1" no-hydrate>
  <kimi-connection-status compact></kimi-connection-status>
  <kimi-context-gauge></kimi-context-gauge>
  <kimi-metric-chart></kimi-metric-chart>
  <kimi-alert-feed></kimi-alert-feed>
  <kimi-cost-meter budget="5"></kimi-cost-meter>
  <kimi-model-table></kimi-model-table>
</kimi-realtime>
<script>window.errors = []; addEventListener('error', e => window.errors.push(e.message));</script>`;
      const bundle = await page(`${loader}${body}`);
      const npm = await page(`<script type="module">import '/dist/define.js';</script>${body}`);
      const sources = [bundle, npm].map(({ win }) => win.document.querySelector('kimi-realtime') as HTMLElement & { state: string });
      await until(() => sources.every((el) => el.state === 'open'), { what: 'both open' });
      const now = Date.now();
      const tap = (id: number, model: string, prompt: number, completion: number) => ({
        ...metric(1, id, { cumulative_tokens: 1000 * id, cumulative_percentage: id * 10, model, stream: true, status: 200 }),
        real_tokens: { total: prompt + completion, prompt, completion, percentage: 1 },
        started_at: new Date(now - 1500).toISOString(),
        ended_at: new Date(now).toISOString(),
        ttft_ms: 300,
        duration_ms: 1500,
        cached_tokens: null,
        estimated: false,
        max_context: 262144,
      });
      await sim.push(
        tap(1, 'kimi-k2', 9000, 1000),
        tap(2, 'kimi-k2', 20000, 3000),
        metric(1, 3, {
          cumulative_percentage: 92,
          cumulative_tokens: 241_000,
          alert: { level: 'critical', color: '#ef4444', message: '⚠️ CONTEXTE CRITIQUE (92%)' },
        }),
        {
          type: 'request_failed',
          session_id: 1,
          metric_id: 4,
          failed_by: 'upstream',
          error: 'rate limited',
          model: 'kimi-k2',
          status: 429,
          ttft_ms: null,
          duration_ms: 120,
        },
      );
      const tags = ['kimi-connection-status', 'kimi-context-gauge', 'kimi-metric-chart', 'kimi-alert-feed', 'kimi-cost-meter', 'kimi-model-table'];
      /** What each element shows: its shadow root's text, white space collapsed, and its parts. */
      const shown = (win: Window) =>
        tags.map((tag) => {
          const root = win.document.querySelector(tag)!.shadowRoot!;
          const parts = [...root.querySelectorAll('[part]')].map((p) => p.getAttribute('part')).join(',');
          return `${tag}: ${(root.textContent ?? '').replace(/\s+/g, ' ').trim()} [${parts}]`;
        });
      await until(() => shown(bundle.win).some((t) => t.includes('CONTEXTE CRITIQUE')), { what: 'the alert shown' });
      // Equal once both settled (a relative time may tick in one frame first).
      await until(() => JSON.stringify(shown(bundle.win)) === JSON.stringify(shown(npm.win)), { what: 'the same text in both', timeout: 8000 }).catch(() => {
        expect(shown(bundle.win)).to.deep.equal(shown(npm.win));
      });
      for (const t of shown(bundle.win)) expect(t.replace(/^[\w-]+: /, '').length, `${t}: shows something`).to.be.above(15);
      for (const { win } of [bundle, npm]) expect((win as unknown as { errors: string[] }).errors).to.deep.equal([]);
      bundle.frame.remove();
      npm.frame.remove();
    });
});
