import { RingBuffer } from '../../internal/ring-buffer.js';
import {
  maxContextOf,
  pointFromLegacyMetric,
  pointFromLogMetric,
  pointFromMetricUpdated,
  pointsFromInit,
  type UsagePoint,
} from '../../protocol/context-usage.js';
import type { InitMessage, LogMetricMessage, MetricMessage, MetricUpdatedMessage } from '../../protocol/messages.js';
import type { KimiEventHandlers } from './source-controller.js';

export const DEFAULT_MAX_POINTS = 300;
const MIN_POINTS = 2;

/** `max-points` as a usable capacity: whole, at least 2; the default when not a number. */
export function capacityOf(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) ? Math.max(MIN_POINTS, Math.floor(n)) : DEFAULT_MAX_POINTS;
}

/**
 * A bounded window of context-usage readings, oldest first, and the context window when known:
 * the data of the chart and the gauge. Plain state; the element decides when to draw.
 */
export class UsageSeries {
  readonly points: RingBuffer<UsagePoint>;
  /** The context window in tokens, from the latest message that stated or implied it. */
  maxContext: number | null = null;

  constructor(capacity = DEFAULT_MAX_POINTS) {
    this.points = new RingBuffer<UsagePoint>(capacityOf(capacity));
  }

  get latest(): UsagePoint | null {
    return this.points.last ?? null;
  }

  /** Appends a reading; false when there was none. */
  add(point: UsagePoint | null): boolean {
    if (!point) return false;
    this.points.push(point);
    this.setWindow(point.maxContext);
    return true;
  }

  /** Records the context window; false when unknown or unchanged. */
  setWindow(maxContext: number | null): boolean {
    if (maxContext === null || maxContext === this.maxContext) return false;
    this.maxContext = maxContext;
    return true;
  }

  /**
   * `init` history, oldest first. It is the server's record up to its newest row, so it replaces
   * what is held up to then; readings newer than that (frames may come before `init`, PROTOCOL.md
   * §12.4) are kept after it, so the window stays in time order.
   */
  addHistory(history: readonly UsagePoint[]): boolean {
    if (!history.length) return false;
    const newest = history[history.length - 1]!.time;
    const later = this.points.toArray().filter((p) => p.time > newest);
    this.points.clear();
    for (const point of history) this.points.push(point);
    for (const point of later) this.points.push(point);
    // A window stated by a live frame is newer than one implied by a history row.
    if (this.maxContext === null) this.setWindow(history[history.length - 1]!.maxContext);
    return true;
  }

  resize(capacity: unknown): boolean {
    const cap = capacityOf(capacity);
    if (cap === this.points.capacity) return false;
    this.points.resize(cap);
    return true;
  }

  clear(): void {
    this.points.clear();
    this.maxContext = null;
  }

  /** Position of a reading held in the window, by identity; -1 when it is gone. */
  indexOf(point: UsagePoint | null): number {
    if (!point) return -1;
    for (let i = this.points.size - 1; i >= 0; i--) if (this.points.at(i) === point) return i;
    return -1;
  }
}

/**
 * The `kimi:*` handlers that feed a series from `init`, `metric_updated`, `log_metric`, legacy
 * `metric` and `new_session`; `changed` runs when the series or its window moved. The series is
 * looked up per event: elements build their handlers before their own fields exist.
 */
export function usageHandlers(series: () => UsageSeries, changed: () => void): KimiEventHandlers {
  const report = (moved: boolean): void => {
    if (moved) changed();
  };
  return {
    'kimi:init': (e) => report(series().addHistory(pointsFromInit(e.detail as InitMessage))),
    'kimi:metric_updated': (e) => report(series().add(pointFromMetricUpdated(e.detail as MetricUpdatedMessage))),
    'kimi:log_metric': (e) => {
      const message = e.detail as LogMetricMessage;
      const windowChanged = series().setWindow(maxContextOf(message));
      report(series().add(pointFromLogMetric(message)) || windowChanged);
    },
    'kimi:metric': (e) => report(series().add(pointFromLegacyMetric(e.detail as MetricMessage))),
    'kimi:new_session': (e) => report(series().setWindow(maxContextOf(e.detail as { type: string }))),
  };
}
