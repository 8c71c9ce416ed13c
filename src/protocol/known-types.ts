import type { KimiMessageType } from './messages.js';

/** Runtime list of the types in `KimiMessageMap`; anything else is reported once as unknown. */
export const KNOWN_MESSAGE_TYPES: ReadonlySet<string> = new Set<KimiMessageType>([
  'init',
  'new_session',
  'session_activated',
  'auto_session_created',
  'auto_session_toggled',
  'sessions_bulk_deleted',
  'log_metric',
  'metric_updated',
  'streaming_error',
  'request_failed',
  'proxy_stats',
  'proxy_stats_unavailable',
  'provider_context_limit_error',
  'compaction_event',
  'auto_compaction_toggled',
  'reserved_tokens_updated',
  'compression_event',
  'cline_usage_updated',
  'memory_compression_completed',
  'memory_compress_preview_response',
  'memory_compress_result_response',
  'memory_similarity_result_response',
  'sanitizer_event',
  'auto_memory_stored',
  'metric',
  'memory_metrics_update',
  'context_limit_violation',
  'context_performance_alert',
  'session_deleted',
  'session_updated',
  'compaction_alert',
]);

/**
 * The library's own events, without `kimi:`. Kept here so `protocol/` imports nothing outside itself;
 * `KIMI_LIBRARY_EVENTS` (events/event-map.ts) must name exactly these (the compiler checks it there).
 */
export const LIBRARY_EVENT_TYPES = ['message', 'status', 'error', 'metric', 'hydrate', 'stats', 'alert-dismiss', 'budget'] as const;
export type LibraryEventType = (typeof LIBRARY_EVENT_TYPES)[number];

/**
 * Server types named like an event the library dispatches itself (`message`, `status`, `error`,
 * `alert-dismiss`, …: `KIMI_LIBRARY_EVENTS` without `kimi:`). Such frames are delivered through
 * `kimi:message` only, so a server can never impersonate the library.
 */
export const RESERVED_EVENT_TYPES: ReadonlySet<string> = new Set<string>(LIBRARY_EVENT_TYPES);
