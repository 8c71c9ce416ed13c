import type { KimiHydration } from '../protocol/hydration.js';

/**
 * `kimi:hydrate`: the session's state loaded over HTTP (`GET /api/sessions/{id}`) on connect, on
 * every reconnect and on every session change. `detail.found` is false for a session the server does
 * not know. Its history rows follow as `kimi:metric` events. Bubbles and is composed.
 */
export class KimiHydrateEvent extends CustomEvent<KimiHydration> {
  constructor(detail: KimiHydration) {
    super('kimi:hydrate', { detail, bubbles: true, composed: true });
  }
}
