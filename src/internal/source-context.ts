import { createContext } from '@lit/context';
import type { KimiRealtime } from '../components/realtime/kimi-realtime.js';
import type { SessionStream } from '../session/session-stream.js';

/** What `<kimi-realtime>` hands its dashboard children: itself and the session it passes. */
export interface KimiSource {
  source: KimiRealtime;
  /** Session whose messages pass (pinned or followed); null while following and none is known. */
  sessionId: string | null;
  /** What belongs to that session, already filtered: dashboard elements subscribe here, not to DOM events. */
  stream: SessionStream;
}

export const kimiSourceContext = createContext<KimiSource>(Symbol.for('kimi-realtime/source'));
