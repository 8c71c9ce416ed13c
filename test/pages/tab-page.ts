// One "tab" of the cross-tab tests (test/browser/tabs.test.ts): `n` <kimi-realtime> elements on `url`,
// recording what each receives. The test reads `window.tab` from the parent page.
import type { KimiRealtime } from '../../src/index.js';

const params = new URLSearchParams(location.search);
// A browser without Web Locks: each tab falls back to a socket of its own.
if (params.has('nolocks')) Object.defineProperty(navigator, 'locks', { value: undefined });
await import('../../src/define.js');
const n = Number(params.get('n') ?? 2);

interface Received {
  /** Epoch ms (performance.timeOrigin + performance.now(), comparable across frames). */
  at: number;
  message: Record<string, unknown>;
}

const els: KimiRealtime[] = [];
const received: Received[][] = [];
for (let i = 0; i < n; i++) {
  const el = document.createElement('kimi-realtime');
  el.url = params.get('url')!;
  el.noHydrate = true;
  if (params.has('delay')) el.reconnectDelay = Number(params.get('delay'));
  const got: Received[] = [];
  el.addEventListener('kimi:message', (e) => got.push({ at: performance.timeOrigin + performance.now(), message: e.detail as Record<string, unknown> }));
  document.body.append(el);
  els.push(el);
  received.push(got);
}

declare global {
  interface Window {
    tab: { els: KimiRealtime[]; received: Received[][] };
  }
}
window.tab = { els, received };
