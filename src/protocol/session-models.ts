import type { KimiMessage } from './messages.js';
import { sessionIdOf } from './session-filter.js';

/**
 * The model of each session, as the server names it (`init`, `new_session`, `session_activated`,
 * `auto_session_created`, a hydration's session row). Kimi Proxy ≤ 2c68469 names no model per
 * request: its requests are priced with their session's model. At most `capacity` sessions; past
 * that a new session is refused (its requests show "no price") rather than another forgotten.
 */
export class SessionModels {
  private readonly models = new Map<string, string>();

  constructor(readonly capacity = 1000) {}

  /** The model of a session, or null. */
  get(sessionId: string | null): string | null {
    return sessionId === null ? null : (this.models.get(sessionId) ?? null);
  }

  /** Learns a session's model; false when there was nothing to learn or the table is full. */
  set(sessionId: unknown, model: unknown): boolean {
    const id = sessionIdOf(sessionId);
    if (!id || typeof model !== 'string' || !model.trim() || model.length > 120) return false;
    if (!this.models.has(id) && this.models.size >= this.capacity) return false;
    this.models.set(id, model);
    return true;
  }

  /** Learns from a frame that names a session's model; true when it did. */
  learn(message: KimiMessage): boolean {
    const m = message as { type: string; session?: { id?: unknown; model?: unknown } | null; model?: unknown };
    switch (m.type) {
      case 'init':
      case 'new_session':
      case 'session_activated':
        return this.set(m.session?.id, m.session?.model);
      case 'auto_session_created':
        return this.set(m.session?.id, typeof m.model === 'string' ? m.model : m.session?.model);
      default:
        return false;
    }
  }

  clear(): void {
    this.models.clear();
  }
}
