import { createContext } from '@lit/context';
import type { KimiRealtime } from '../components/realtime/kimi-realtime.js';

/** What `<kimi-realtime>` hands its dashboard children: itself and the session it passes. */
export interface KimiSource {
  source: KimiRealtime;
  /** Session whose messages pass (pinned or followed); null while following and none is known. */
  sessionId: string | null;
}

export const kimiSourceContext = createContext<KimiSource>(Symbol.for('kimi-realtime/source'));
