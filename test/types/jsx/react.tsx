// Compiled by `npm test` (test/types/jsx/tsconfig.json, one program with the other frameworks) against the built package: the generated React 19 JSX types (strict TS).
import type {} from 'kimi-realtime/jsx/react';
import type { KimiRealtime } from 'kimi-realtime';
import { useRef } from 'react';

export function Dashboard({ session }: { session: string }) {
  const ref = useRef<KimiRealtime>(null);
  return (
    <kimi-realtime
      ref={ref}
      url="ws://127.0.0.1:8765/ws"
      session-id={session}
      max-queue={50}
      reconnect-delay={1000}
      auth-via="protocol"
      token={() => Promise.resolve('t')}
      onkimi:metric_updated={(e) => {
        const percentage: number = e.detail.cumulative_percentage;
        const level: 'caution' | 'warning' | 'critical' | undefined = e.detail.alert?.level;
        return [percentage, level];
      }}
      onkimi:status={(e) => e.detail.state === 'open'}
      onkimi:error={(e) => e.detail.kind === 'queue-overflow'}
      onkimi:message={(e) => e.detail.type}
    >
      <kimi-context-gauge source="" />
      <kimi-metric-chart max-points={100} time-window={60} label="Usage" />
      <kimi-alert-feed max-items={10} collapse-window={0} onkimi:alert-dismiss={(e) => e.detail.level} />
      <kimi-connection-status compact />
    </kimi-realtime>
  );
}

// @ts-expect-error max-points is a number
export const badAttribute = <kimi-metric-chart max-points={[1]} />;
// @ts-expect-error the detail of kimi:metric_updated has no such field
export const badDetail = <kimi-realtime onkimi:metric_updated={(e) => e.detail.nonexistent} />;
// @ts-expect-error auth-via takes 'query' or 'protocol'
export const badUnion = <kimi-realtime auth-via="cookie" />;
// @ts-expect-error state is read-only: React 19 would assign el.state and the browser throw
export const readOnly = <kimi-realtime state="open" />;
