// A React 19 app using the three patterns the README shows: the kimi-realtime/react wrappers
// (camel-case event props), the plain tags typed by kimi-realtime/jsx/react (`onkimi:…` props,
// which React 19 attaches as listeners), and a ref with addEventListener in an effect.
import type {} from 'kimi-realtime/jsx/react';
import type { KimiRealtime as KimiRealtimeElement } from 'kimi-realtime';
import { KimiRealtime, KimiContextGauge, KimiAlertFeed } from 'kimi-realtime/react';
import { StrictMode, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';

declare global {
  interface Window {
    __events: { via: string; id: number; percentage: number }[];
    __states: string[];
  }
}
window.__events = [];
window.__states = [];
const ws = new URLSearchParams(location.search).get('ws') ?? '';

function Wrapped() {
  const [percentage, setPercentage] = useState<number | null>(null);
  return (
    <section id="wrapped">
      <KimiRealtime
        url={ws}
        sessionId="1"
        onKimiStatus={(e) => window.__states.push(e.detail.state)}
        onKimiMetricUpdated={(e) => {
          window.__events.push({ via: 'wrapper', id: e.detail.metric_id, percentage: e.detail.cumulative_percentage });
          setPercentage(e.detail.cumulative_percentage);
        }}
      >
        <KimiContextGauge />
        <KimiAlertFeed maxItems={5} onKimiAlertDismiss={(e) => e.detail.id} />
      </KimiRealtime>
      <output id="react-state">{percentage === null ? 'waiting' : `${percentage} %`}</output>
    </section>
  );
}

function Plain() {
  const ref = useRef<KimiRealtimeElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onMetric = (e: HTMLElementEventMap['kimi:metric_updated']) => {
      window.__events.push({ via: 'effect', id: e.detail.metric_id, percentage: e.detail.cumulative_percentage });
    };
    el.addEventListener('kimi:metric_updated', onMetric);
    return () => el.removeEventListener('kimi:metric_updated', onMetric);
  }, []);
  return (
    <section id="plain">
      <kimi-realtime
        ref={ref}
        url={ws}
        session-id="1"
        onkimi:metric_updated={(e) => {
          window.__events.push({ via: 'jsx', id: e.detail.metric_id, percentage: e.detail.cumulative_percentage });
        }}
      >
        <kimi-context-gauge />
      </kimi-realtime>
    </section>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Wrapped />
    <Plain />
  </StrictMode>,
);
