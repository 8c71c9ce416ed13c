/** Registers every kimi-realtime element. The only module of the npm build with side effects. */
import { KimiRealtime } from './components/realtime/kimi-realtime.js';
import { KimiContextGauge } from './components/context-gauge/kimi-context-gauge.js';
import { KimiMetricChart } from './components/metric-chart/kimi-metric-chart.js';
import { KimiAlertFeed } from './components/alert-feed/kimi-alert-feed.js';
import { KimiConnectionStatus } from './components/connection-status/kimi-connection-status.js';
import { KimiCostMeter } from './components/cost-meter/kimi-cost-meter.js';
import { KimiModelTable } from './components/model-table/kimi-model-table.js';
import { attachContextRoot } from './internal/context-root.js';

// Dashboard elements upgraded before their <kimi-realtime> find it once it is defined.
attachContextRoot();
KimiRealtime.define();
KimiContextGauge.define();
KimiMetricChart.define();
KimiAlertFeed.define();
KimiConnectionStatus.define();
KimiCostMeter.define();
KimiModelTable.define();

export * from './index.js';

/**
 * Registers `<kimi-realtime>` under another tag as well: with the script-tag bundles the global
 * `KimiRealtime` is this module, so `KimiRealtime.define('my-realtime')` works there as it does on
 * the class. Each element class has its own `define(tag)`.
 */
export function define(tag?: string): void {
  KimiRealtime.define(tag);
}
