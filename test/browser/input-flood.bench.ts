// Input during a flood, per engine (`npm run bench:input`, which runs this file in each browser in turn
// and writes bench/results/input-flood.md). A 50,000-frame burst from the simulator while the test
// runner types into an input: how long each key press waits for the page's keydown handler.
// Variants, interleaved round by round: `dashboard` (<kimi-realtime> with all four elements) and `bare`
// (a native WebSocket, JSON.parse, session check and a CustomEvent per session-1 frame: what the
// browser itself costs).
import { fixture, html } from '@open-wc/testing';
import '../../src/define.js';
import type { KimiRealtime } from '../../src/index.js';
import { Sim, until, sleep } from './helpers/simulator.js';
import { engine, epochNow, startTyping } from './helpers/browser.js';

const COUNT = 50_000;
const ROUNDS = 5;

interface Flood {
  /** Frames received so far. */
  received: () => number;
  /** Epoch ms of the first and last session-1 message handled. */
  first: () => number;
  last: () => number;
  input: HTMLInputElement;
  close: () => void;
}

async function dashboard(sim: Sim): Promise<Flood> {
  const root = await fixture<HTMLDivElement>(
    html` <div>
      <input aria-label="typing during the flood" />
      <kimi-realtime url=${sim.url} session-id="1">
        <kimi-context-gauge></kimi-context-gauge>
        <kimi-metric-chart max-points="300"></kimi-metric-chart>
        <kimi-alert-feed max-items="50"></kimi-alert-feed>
        <kimi-connection-status></kimi-connection-status>
      </kimi-realtime>
    </div>`,
  );
  const source = root.querySelector<KimiRealtime>('kimi-realtime')!;
  await until(() => source.state === 'open');
  let first = 0;
  let last = 0;
  source.addEventListener('kimi:metric_updated', () => {
    last = epochNow();
    first ||= last;
  });
  return { received: () => source.stats.framesReceived, first: () => first, last: () => last, input: root.querySelector('input')!, close: () => root.remove() };
}

async function bare(sim: Sim): Promise<Flood> {
  const root = await fixture<HTMLDivElement>(html`<div><input aria-label="typing during the flood" /></div>`);
  const target = new EventTarget();
  let first = 0;
  let last = 0;
  let received = 0;
  target.addEventListener('kimi:metric_updated', () => {
    last = epochNow();
    first ||= last;
  });
  const ws = new WebSocket(sim.url);
  ws.addEventListener('message', (e) => {
    received++;
    const message = JSON.parse(e.data as string) as { session_id?: unknown };
    if (message.session_id === 1) target.dispatchEvent(new CustomEvent('kimi:metric_updated', { detail: message }));
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', reject, { once: true });
  });
  return {
    received: () => received,
    first: () => first,
    last: () => last,
    input: root.querySelector('input')!,
    close: () => {
      ws.close();
      root.remove();
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

describe(`input during a flood of ${COUNT} frames`, function () {
  this.timeout(600_000);

  it('key press delay, dashboard and bare WebSocket', async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 ? [bare, dashboard] : [dashboard, bare];
      for (const variant of order) {
        const sim = await Sim.create();
        try {
          const flood = await variant(sim);
          flood.input.focus();
          const handledAt: number[] = [];
          flood.input.addEventListener('keydown', () => handledAt.push(epochNow()));
          const typing = await startTyping('a', 20);
          let sentAt: number[];
          let blastAt = 0;
          try {
            await sleep(300); // a few presses on an idle page: the driver's own delay
            blastAt = epochNow();
            await sim.blast(COUNT, [1, 2], 'small');
            await until(() => flood.received() >= COUNT, { timeout: 120_000, what: `${COUNT} frames` });
          } finally {
            sentAt = await typing.stop();
          }
          if (handledAt.length !== sentAt.length) throw new Error(`${sentAt.length} presses sent, ${handledAt.length} handled`);
          const delay = sentAt.map((t, i) => handledAt[i]! - t);
          const during = delay.filter((_, i) => sentAt[i]! < flood.last() && handledAt[i]! > flood.first());
          const idle = delay.filter((_, i) => sentAt[i]! < blastAt && handledAt[i]! < flood.first());
          const result = {
            engine,
            variant: variant.name,
            round,
            floodMs: Math.round(flood.last() - flood.first()),
            presses: during.length,
            maxDelay: Math.round(Math.max(...during) * 10) / 10,
            medianDelay: Math.round(median(during) * 10) / 10,
            idleDelay: Math.round(median(idle) * 10) / 10,
          };
          console.warn(`[bench] ${JSON.stringify(result)}`);
          flood.close();
        } finally {
          await sim.close();
        }
      }
    }
  });
});
