import type { KimiRealtimeStats } from '../components/realtime/kimi-realtime.js';

/**
 * `kimi:stats`: the element's `stats`, at most once a second, only while a listener is registered
 * on the element itself (a listener on an ancestor alone does not start it). Bubbles and is composed.
 */
export class KimiStatsEvent extends CustomEvent<KimiRealtimeStats> {
  constructor(detail: KimiRealtimeStats) {
    super('kimi:stats', { detail, bubbles: true, composed: true });
  }
}
