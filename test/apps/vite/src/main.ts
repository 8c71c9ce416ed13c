// A Vite + TypeScript app: the npm build through the bundler.
import 'kimi-realtime/define.js';
import { KimiRealtime, KimiContextGauge, type KimiErrorDetail, type KimiHydration, type KimiStatusDetail } from 'kimi-realtime';

declare global {
  interface Window {
    __events: { via: string; id: number; percentage: number }[];
    __states: KimiStatusDetail['state'][];
    __info: Record<string, unknown>;
    __hydrations: Pick<KimiHydration, 'sessionId' | 'found' | 'error'>[];
    __errors: Pick<KimiErrorDetail, 'kind' | 'message'>[];
  }
}

window.__events = [];
window.__states = [];
window.__hydrations = [];
window.__errors = [];
const ws = new URLSearchParams(location.search).get('ws') ?? '';

KimiRealtime.define('app-realtime');
KimiContextGauge.define('app-gauge');

const el = document.createElement('app-realtime') as KimiRealtime;
el.url = ws;
el.sessionId = '1';
el.append(document.createElement('app-gauge'));
el.addEventListener('kimi:status', (e) => window.__states.push(e.detail.state));
el.addEventListener('kimi:hydrate', (e) => window.__hydrations.push({ sessionId: e.detail.sessionId, found: e.detail.found, error: e.detail.error }));
el.addEventListener('kimi:error', (e) => window.__errors.push({ kind: e.detail.kind, message: e.detail.message }));
el.addEventListener('kimi:metric_updated', (e) => {
  window.__events.push({ via: 'app-realtime', id: e.detail.metric_id, percentage: e.detail.cumulative_percentage });
});
document.getElementById('mount')!.append(el);
window.__info = { subclass: el instanceof KimiRealtime, defaultTag: customElements.get('kimi-realtime') === KimiRealtime };
