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
});
