import { KimiMetricEvent } from '../../events/kimi-metric-event.js';
import type { KimiHydration } from '../../protocol/hydration.js';
import type { InitMessage, KimiMessage, LogMetricMessage, MetricMessage, MetricUpdatedMessage } from '../../protocol/messages.js';
import { ServerClock } from '../../protocol/server-clock.js';
import { readingFromLegacyMetric, readingFromLogMetric, readingFromMetricUpdated, readingsFromRows, type UsageReading } from '../../protocol/usage-readings.js';
import { RingBuffer } from '../../internal/ring-buffer.js';
import { sessionIdOf } from '../../protocol/session-filter.js';
import { compactMessage } from '../../internal/compact.js';

/** Readings of the shown session kept for dashboard elements that attach later. */
const KEPT_READINGS = 1000;
/**
 * Frames larger than this (bytes) give readings whose `message` is a compact copy
 * (`compactMessage`): readings are kept here and by the dashboard elements, and a kept reading must
 * not keep megabytes of a frame alive. Real Kimi Proxy frames are far below it.
 */
export const MAX_KEPT_FRAME = 64 * 1024;

/**
 * Turns delivered frames into `kimi:metric` readings, learns the server's clock from them, and keeps
 * what a dashboard element attaching later needs: the session's latest hydration and its recent
 * readings (bounded). Called once per delivered frame; frames that carry no usage cost one switch.
 */
export class UsageTracker {
  readonly clock = new ServerClock();
  hydration: KimiHydration | null = null;
  private readonly kept = new RingBuffer<UsageReading>(KEPT_READINGS);
  /** Metric ids of the requests kept: a history row of a request already dispatched is not sent again. */
  private readonly requests = new Set<number>();
  /** The frame being read is large: its readings get a compact copy of it. */
  private compact = false;

  constructor(private readonly target: EventTarget) {}

  /** Recent readings of the shown session, oldest first. */
  get readings(): UsageReading[] {
    return this.kept.toArray();
  }

  /** A frame of `bytes` was delivered as `kimi:<type>`: dispatch the readings it carries. */
  take(message: KimiMessage, now: number, bytes = 0): void {
    this.compact = bytes > MAX_KEPT_FRAME;
    switch (message.type) {
      case 'metric_updated':
        this.emit(readingFromMetricUpdated(message as MetricUpdatedMessage, now, this.clock));
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
    // An HTTP answer has no size at hand here, and comes once per connection or session: always compact.
    this.compact = true;
    for (const reading of hydration.readings) this.emit(reading);
    this.compact = false;
  }

  /** Another session is shown: what was kept belonged to the old one. */
  sessionChanged(): void {
    this.kept.clear();
    this.requests.clear();
    this.hydration = null;
  }

  /**
   * Keeps and dispatches a reading. Each reconnect brings `init` and hydration rows again: a row of a
   * request already dispatched (live or from earlier history) is dropped here, so pages see every
   * request once. Live frames always pass: they are new by nature (and confirm an estimated row).
   */
  private emit(reading: UsageReading | null): void {
    if (!reading) return;
    const id = reading.metricId;
    if (id !== null) {
      if (reading.origin === 'history' && this.requests.has(id)) return;
      this.requests.add(id);
    }
    if (this.kept.size === this.kept.capacity) {
      const evicted = this.kept.at(0)!.metricId;
      if (evicted !== null) this.requests.delete(evicted);
    }
    if (this.compact) reading.message = compactMessage(reading.message);
    this.kept.push(reading);
    this.target.dispatchEvent(new KimiMetricEvent(reading));
  }
}
