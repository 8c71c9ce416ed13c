import type { UsageReading } from '../protocol/usage-readings.js';

/**
 * `kimi:metric`: one usage reading, whatever frame it came from (`metric_updated`, a usage
 * `log_metric`, legacy `metric`, and each row of `init` or hydration history). `detail` says the
 * session, source, tokens, window, percentage, level, time and the frame. Bubbles and is composed.
 */
export class KimiMetricEvent extends CustomEvent<UsageReading> {
  constructor(reading: UsageReading) {
    super('kimi:metric', { detail: reading, bubbles: true, composed: true });
  }
}
