/**
 * kimi-realtime: the classes, events and protocol types. Importing this module registers nothing;
 * import `kimi-realtime/define.js` (or call `KimiRealtime.define()`) to register the elements.
 */
export { KimiRealtime, defaultKimiUrl, type KimiRealtimeStats } from './components/realtime/kimi-realtime.js';
export type { TokenSource } from './components/realtime/connection-controller.js';
export { KimiMessageEvent } from './events/kimi-message-event.js';
export { KimiStatusEvent, type ConnectionState, type KimiStatusDetail } from './events/kimi-status-event.js';
export { KimiErrorEvent, type KimiErrorDetail, type KimiErrorKind } from './events/kimi-error-event.js';
export type { KimiEventMap, KimiServerEventMap, KimiLibraryEventMap } from './events/event-map.js';
export * from './protocol/messages.js';
export { KNOWN_MESSAGE_TYPES, RESERVED_EVENT_TYPES } from './protocol/known-types.js';
export { parseFrame, FrameProblem, type FrameProblemKind } from './protocol/parse-frame.js';
export { SessionFilter, sessionRefOf, normalizeSessionId, sessionIdOf, type SessionVerdict } from './protocol/session-filter.js';
export { parseKimiTimestamp, type TimestampOptions } from './protocol/timestamps.js';
export { toBoolean, toInteger } from './protocol/coerce.js';
export { retryDelay, DEFAULT_BACKOFF, MIN_RETRY_DELAY, type BackoffOptions } from './internal/backoff.js';
export { KimiContextGauge } from './components/context-gauge/kimi-context-gauge.js';
export { KimiMetricChart } from './components/metric-chart/kimi-metric-chart.js';
export { KimiAlertFeed } from './components/alert-feed/kimi-alert-feed.js';
export { KimiAlertDismissEvent } from './components/alert-feed/kimi-alert-dismiss-event.js';
export type { AlertItem } from './components/alert-feed/alert-model.js';
export { KimiConnectionStatus } from './components/connection-status/kimi-connection-status.js';
export { SourceController, type KimiEventHandlers } from './components/shared/source-controller.js';
export { DashboardElement, type DataStatus } from './components/shared/dashboard-element.js';
export { kimiSourceContext, type KimiSource } from './internal/source-context.js';
export { THRESHOLDS, levelOf, sourceLabel, type UsageReading, type UsageSource, type UsageLevel, type UsageFrame } from './protocol/usage-readings.js';
export type { KimiHydration } from './protocol/hydration.js';
export { KimiMetricEvent } from './events/kimi-metric-event.js';
export { KimiHydrateEvent } from './events/kimi-hydrate-event.js';
