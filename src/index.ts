/**
 * kimi-realtime: the element classes, their events and the protocol types. Importing this module
 * registers nothing; import `kimi-realtime/define.js` (or call each class's `define()`) to register
 * the elements. Everything exported here is public API; the rest of dist/ is not.
 */
// Elements.
export { KimiRealtime, type KimiRealtimeStats } from './components/realtime/kimi-realtime.js';
export type { TokenSource } from './components/realtime/connection-controller.js';
export { KimiRequestError, type KimiRequestErrorKind, type KimiRequestOptions } from './components/realtime/requests.js';
export type { KimiReplyMap, KimiRequestCommand } from './protocol/requests.js';
export { KimiContextGauge } from './components/context-gauge/kimi-context-gauge.js';
export { KimiMetricChart } from './components/metric-chart/kimi-metric-chart.js';
export { KimiAlertFeed } from './components/alert-feed/kimi-alert-feed.js';
export { KimiConnectionStatus } from './components/connection-status/kimi-connection-status.js';
export { KimiCostMeter } from './components/cost-meter/kimi-cost-meter.js';
export { KimiModelTable, type ModelTableColumn } from './components/model-table/kimi-model-table.js';

// Events and their details.
export { KimiMessageEvent } from './events/kimi-message-event.js';
export { KimiStatusEvent, type ConnectionState, type KimiStatusDetail } from './events/kimi-status-event.js';
export { KimiErrorEvent, type KimiErrorDetail, type KimiErrorKind } from './events/kimi-error-event.js';
export type { FrameProblemKind } from './protocol/parse-frame.js';
export { KimiMetricEvent } from './events/kimi-metric-event.js';
export type { UsageReading, UsageSource, UsageLevel, UsageFrame, RequestFacts } from './protocol/usage-readings.js';
export { KimiBudgetEvent, type KimiBudgetDetail } from './events/kimi-budget-event.js';
export { KimiHydrateEvent } from './events/kimi-hydrate-event.js';
export type { KimiHydration, SessionAnswer } from './protocol/hydration.js';
export { KimiStatsEvent } from './events/kimi-stats-event.js';
export type { KimiConnectionMetrics, KimiReconnect } from './connection/connection-metrics.js';
export { KimiAlertDismissEvent } from './components/alert-feed/kimi-alert-dismiss-event.js';
export type { AlertItem, AlertKind, AlertLevel } from './components/alert-feed/alert-model.js';
export type { KimiEventMap, KimiServerEventMap, KimiLibraryEventMap } from './events/event-map.js';

// Protocol: message and command types, timestamps.
export type * from './protocol/messages.js';
export { parseKimiTimestamp, type TimestampOptions } from './protocol/timestamps.js';

// Prices, costs and export.
export { PriceTable, PriceProblem, defaultPrices, requestCost, type ModelPrice, type PriceList, type RequestCost } from './protocol/prices.js';
export type { LedgerEntry } from './protocol/request-ledger.js';
export type { GroupSummary, CostSum } from './protocol/request-summary.js';
export {
  exportReadings,
  exportRequests,
  importReadings,
  importRequests,
  ImportProblem,
  READING_COLUMNS,
  REQUEST_COLUMNS,
  type ExportFormat,
  type ExportedReading,
  type ExportedRequest,
} from './protocol/readings-export.js';

// Custom dashboard children: consume this context (@lit/context) to find the nearest <kimi-realtime>.
export { kimiSourceContext, type KimiSource } from './internal/source-context.js';
