import { createContext } from '@lit/context';
import type { SessionStream } from '../session/session-stream.js';
import type { ConnectionState } from '../events/kimi-status-event.js';
import type { KimiRealtimeStats } from '../events/kimi-stats-event.js';
import type { KimiHydration } from '../protocol/hydration.js';
import type { UsageReading } from '../protocol/usage-readings.js';

/**
 * What a dashboard element reads from its `<kimi-realtime>` (which satisfies it): described here by
 * shape, so this layer and the shared element code import no element.
 */
export interface KimiSourceElement extends HTMLElement {
  readonly state: ConnectionState;
  readonly stats: KimiRealtimeStats;
  readonly hydration: KimiHydration | null;
  readonly readings: readonly UsageReading[];
}

/** What `<kimi-realtime>` hands its dashboard children: itself and the session it passes. */
export interface KimiSource {
  source: KimiSourceElement;
  /** Session whose messages pass (pinned or followed); null while following and none is known. */
  sessionId: string | null;
  /** What belongs to that session, already filtered: dashboard elements subscribe here, not to DOM events. */
  stream: SessionStream;
}

export const kimiSourceContext = createContext<KimiSource>(Symbol.for('kimi-realtime/source'));
