// A plain page: the IIFE bundle defines the elements and the global KimiRealtime; this script only
// imports types, so tsc checks it against the installed package and emits no import.
import type { KimiRealtime as KimiRealtimeElement, MetricUpdatedMessage } from 'kimi-realtime';

declare global {
  interface Window {
    KimiRealtime: typeof import('kimi-realtime/define.js');
    __events: { via: string; id: number; percentage: number }[];
    __info: Record<string, unknown>;
  }
}

window.__events = [];
const ws = new URLSearchParams(location.search).get('ws') ?? '';
const mount = document.getElementById('mount')!;
mount.innerHTML = `<kimi-realtime session-id="1"><kimi-context-gauge></kimi-context-gauge></kimi-realtime>`;
const el: KimiRealtimeElement = mount.querySelector('kimi-realtime')!;
el.url = ws;

document.addEventListener('kimi:metric_updated', (e) => {
  const detail: MetricUpdatedMessage = e.detail;
  window.__events.push({ via: 'document', id: detail.metric_id, percentage: detail.cumulative_percentage });
});

window.KimiRealtime.define('plain-realtime');
window.__info = {
  globals: Object.keys(window.KimiRealtime).sort(),
  parsed: window.KimiRealtime.parseKimiTimestamp('2026-05-07 07:05:58'),
  plainTag: customElements.get('plain-realtime') !== undefined,
};
