import { KimiMetricEvent } from '../../events/kimi-metric-event.js';
import type { KimiHydration } from '../../protocol/hydration.js';
import type { InitMessage, KimiMessage, LogMetricMessage, MetricMessage, MetricUpdatedMessage } from '../../protocol/messages.js';
import { ServerClock } from '../../protocol/server-clock.js';
import {
  readingFromLegacyMetric,
  readingFromLogMetric,
  readingFromMetricUpdated,
  readingsFromRows,
  type UsageReading,
} from '../../protocol/usage-readings.js';
import { RingBuffer } from '../../internal/ring-buffer.js';
import { sessionIdOf } from '../../protocol/session-filter.js';

/** Readings of the shown session kept for dashboard elements that attach later. */
const KEPT_READINGS = 1000;

/**
 * Turns delivered frames into `kimi:metric` readings, learns the server's clock from them, and keeps
 * what a dashboard element attaching later needs: the session's latest hydration and its recent
 * readings (bounded). Called once per delivered frame; frames that carry no usage cost one switch.
 */
export class UsageTracker {
  readonly clock = new ServerClock();
  hydration: KimiHydration | null = null;
  private readonly kept = new RingBuffer<UsageReading>(KEPT_READINGS);

  constructor(private readonly target: EventTarget) {}

  /** Recent readings of the shown session, oldest first. */
  get readings(): UsageReading[] {
    return this.kept.toArray();
  }

  /** A frame was delivered as `kimi:<type>`: dispatch the readings it carries. */
  take(message: KimiMessage, now: number): void {
    switch (message.type) {
      case 'metric_updated':
        this.emit(readingFromMetricUpdated(message as MetricUpdatedMessage, now));
        break;
      case 'log_metric':
        this.clock.observe((message as LogMetricMessage).timestamp, now);
        this.emit(readingFromLogMetric(message as LogMetricMessage, now, this.clock));
        break;
      case 'metric':
        this.emit(readingFromLegacyMetric(message as MetricMessage, now, this.clock));
        break;
      case 'init': {
        const init = message as InitMessage;
        const id = init.session && typeof init.session === 'object' ? init.session.id : null;
        const session = sessionIdOf(id) || null;
        for (const reading of readingsFromRows(init.recent_metrics, session, 'init', this.clock)) this.emit(reading);
        break;
      }
      default:
    }
  }

  /** The session's HTTP state arrived (already dispatched as `kimi:hydrate`): dispatch its history. */
  hydrated(hydration: KimiHydration): void {
    this.hydration = hydration;
    for (const reading of hydration.readings) this.emit(reading);
  }

  /** Another session is shown: what was kept belonged to the old one. */
  sessionChanged(): void {
    this.kept.clear();
    this.hydration = null;
  }

  private emit(reading: UsageReading | null): void {
    if (!reading) return;
    this.kept.push(reading);
    this.target.dispatchEvent(new KimiMetricEvent(reading));
  }
}
