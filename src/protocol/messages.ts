/**
 * Server → client messages of Kimi Proxy's `/ws`, as PROTOCOL.md describes them (kimi_proxy 2c68469,
 * plus legacy and never-sent types). Shapes are what the server really sends, quirks included:
 * SQLite booleans are 0/1 integers, echoed fields are typed `unknown`, timestamps have no zone.
 */

/** SQLite UTC timestamp, `"2026-05-07 07:05:58"`. Parse with `parseKimiTimestamp`. */
export type SqliteTimestamp = string;
/** Naive server-local ISO timestamp, `"2026-05-07T09:06:04.918273"` (microseconds omitted when 0). */
export type LocalIsoTimestamp = string;
/** SQLite integer boolean. */
export type SqliteBool = 0 | 1;

export interface SessionRow {
  id: number;
  name: string;
  provider: string;
  model: string | null;
  external_session_id: string | null;
  created_at: SqliteTimestamp;
  is_active: SqliteBool;
  reserved_tokens: number;
  compaction_count: number;
  last_compaction_at: SqliteTimestamp | null;
  /** Normally 0/1; the toggle endpoint stores whatever it was sent. */
  auto_compaction_enabled: unknown;
  /** 0–1 scale. */
  auto_compaction_threshold: number;
  consecutive_auto_compactions: number;
}

export interface SessionRowWithContext extends SessionRow {
  max_context: number;
}

export interface MetricRow {
  id: number;
  session_id: number;
  timestamp: SqliteTimestamp;
  estimated_tokens: number;
  /** 0–100. */
  percentage: number;
  content_preview: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  is_estimated: SqliteBool;
  source: string;
  memory_tokens: number;
  chat_tokens: number;
  memory_ratio: number;
}

/**
 * What `kimi-tap` (PROTOCOL.md §17) adds to a request's `metric_updated` frame and to its metrics row.
 * Kimi Proxy itself never sends these: every field is optional, and a client must work without them.
 */
export interface TapRequestFacts {
  /** The model named in the request body (`"unknown"` when the body named none). */
  model?: string;
  /** The request asked for a stream (`stream: true`). */
  stream?: boolean;
  /** HTTP status the upstream answered (502/504 when the tap answered for an unreachable upstream). */
  status?: number;
  /** Request start / end (last byte to the client): ISO 8601 with the tap's UTC offset, milliseconds. */
  started_at?: string;
  ended_at?: string;
  /** Milliseconds from the request to the first byte of the response body (SSE: its first event); null when none came. */
  ttft_ms?: number | null;
  /** Milliseconds from the request to the last byte of the response. */
  duration_ms?: number;
  /** Provider usage: prompt tokens served from its cache (`prompt_tokens_details.cached_tokens`); null when not reported. */
  cached_tokens?: number | null;
  /** True when the token counts are the tap's tokenizer estimate (the provider sent no `usage`). */
  estimated?: boolean;
  /** The context window the percentage is computed with. */
  max_context?: number;
  /** True when the model had no entry in the models file and `max_context` is the tap's default. */
  max_context_default?: boolean;
}

/** A metrics row as the tap keeps it: Kimi Proxy's row plus the request's facts. */
export interface TapMetricRow extends MetricRow, TapRequestFacts {}

export interface SessionStats {
  total_requests: number;
  max_tokens: number | null;
  avg_tokens: number | null;
  current_input_tokens: number;
  current_output_tokens: number;
  current_total_tokens: number;
  cumulative_input_tokens: number;
  cumulative_output_tokens: number;
  cumulative_total_tokens: number;
}

export type ThresholdLevel = 'caution' | 'warning' | 'critical';

/** Alert for ≥ 80 / 90 / 95 % of the context. The message names the threshold, not the value. */
export interface ThresholdAlert {
  level: ThresholdLevel;
  color: string;
  message: string;
}

export interface RealTokens {
  total: number;
  prompt: number;
  completion: number;
  /** 0–100 of max context. */
  percentage: number;
}

export interface LogMetrics {
  prompt_tokens: number;
  completion_tokens: number;
  tools_tokens: number;
  system_message_tokens: number;
  total_tokens: number;
  context_length: number;
  max_context: number;
  /** total / max_context × 100. Not clamped: can exceed 100. */
  percentage: number;
}

export interface CompactionShapeA {
  compacted: true;
  original_tokens: number;
  compacted_tokens: number;
  tokens_saved: number;
  /** Percentage saved, 0–100, not rounded. */
  compaction_ratio: number;
  messages_before: number;
  messages_after: number;
  summarized_count: number;
}

export interface CompactionShapeB {
  original_tokens: number;
  compacted_tokens: number;
  tokens_saved: number;
  compaction_ratio: number;
  trigger_reason: 'manual';
}

export interface CompressionPayload {
  compressed: boolean;
  original_tokens: number;
  compressed_tokens: number;
  tokens_saved: number;
  /** Percentage saved, 0–100, rounded to 2 decimals. */
  compression_ratio: number;
  messages_before: number;
  messages_after: number;
}

export interface MemoryItem {
  id: string;
  title: string;
  content: string;
  content_preview: string;
  /** A memory category, not a message type. */
  type: string;
  tokens: number;
  created_at: LocalIsoTimestamp;
  similarity_score: number | null;
}

export interface CompressionPreviewResult {
  success: boolean;
  current_count: number;
  projected_count: number;
  space_saved: string;
  preview: { action: string; items: string; tokens: number; preview: string }[];
  /** 0–1 scale. */
  compression_ratio: number | null;
  error: string | null;
}

export interface SimilarityResult {
  success: boolean;
  results: MemoryItem[];
  total_found: number;
  method_used: 'cosine' | 'jaccard' | 'levenshtein' | 'qdrant_semantic' | string;
  threshold_used: number;
  error: string | null;
}

// ---- live messages -------------------------------------------------------------------------

/** Sent once on connect, only when a session is active. No top-level `session_id`. */
export interface InitMessage {
  type: 'init';
  session: SessionRow;
  stats: SessionStats;
  /** At most 50, newest first, for the active session only. */
  recent_metrics: MetricRow[];
}

export interface NewSessionMessage {
  type: 'new_session';
  session: SessionRowWithContext;
}

export interface SessionActivatedMessage {
  type: 'session_activated';
  session_id: number;
  session: SessionRow;
}

export interface AutoSessionCreatedMessage {
  type: 'auto_session_created';
  session: SessionRow;
  provider: string;
  model: string;
  external_session_id?: string | null;
}

export interface AutoSessionToggledMessage {
  type: 'auto_session_toggled';
  session_id: number;
  /** Echoed unvalidated: can be `"false"`. Use `toBoolean`. */
  enabled: unknown;
}

export interface SessionsBulkDeletedMessage {
  type: 'sessions_bulk_deleted';
  /** Echoed unvalidated: numbers or strings. */
  session_ids: unknown[];
  deleted_count: number;
}

export interface LogMetricMessage {
  type: 'log_metric';
  source: string;
  /** Missing from older Kimi Proxy versions (docs/PROTOCOL.md §4.7). */
  source_family?: string;
  /** Missing from older Kimi Proxy versions (docs/PROTOCOL.md §4.7). */
  source_label?: string;
  metrics: LogMetrics;
  /** Always the session that was active when the log line was read. */
  session_id: number;
  timestamp: LocalIsoTimestamp;
}

export interface MetricUpdatedMessage extends TapRequestFacts {
  type: 'metric_updated';
  metric_id: number;
  session_id: number;
  real_tokens: RealTokens;
  /** Not a running total: input + output of the latest request. */
  cumulative_tokens: number;
  cumulative_percentage: number;
  alert: ThresholdAlert | null;
  source: string;
}

/**
 * kimi-tap only (PROTOCOL.md §17): a `…/chat/completions` request that got no successful answer: the
 * upstream answered ≥ 400, or could not be reached (the tap answered 502/504 itself). One per request;
 * a context-length refusal gives `provider_context_limit_error` as well.
 */
export interface RequestFailedMessage extends TapRequestFacts {
  type: 'request_failed';
  session_id: number;
  metric_id: number;
  /** `upstream`: the provider answered with an error; `tap`: the tap could not reach it or it timed out. */
  failed_by: 'upstream' | 'tap';
  /** The provider's error message (or the tap's reason), at most 500 characters; never prompt text. */
  error: string;
}

/**
 * kimi-tap only (PROTOCOL.md §17.3): a Kimi Proxy 2.x admin stats route's answer, sent when it changed.
 * Global (no `session_id`).
 */
export interface ProxyStatsMessage {
  type: 'proxy_stats';
  /** `sanitizer` (`/api/sanitizer/stats`), `compression` (`/api/compress/stats`), `rate_limit` (`/api/rate-limit`). */
  source: 'sanitizer' | 'compression' | 'rate_limit' | string;
  /** The version Kimi Proxy's `/health` named, e.g. `2.0.0-mcp`. */
  version: string;
  /** The route's JSON answer as Kimi Proxy sent it (without local paths). */
  stats: Record<string, unknown>;
  timestamp: LocalIsoTimestamp;
}

/** kimi-tap only (PROTOCOL.md §17.3): a Kimi Proxy 2.x stats route refused the tap (401/403); sent once per route. */
export interface ProxyStatsUnavailableMessage {
  type: 'proxy_stats_unavailable';
  source: string;
  status: number;
  error: string;
  timestamp: LocalIsoTimestamp;
}

export interface StreamingErrorMessage {
  type: 'streaming_error';
  session_id: number;
  metric_id: number;
  error_type: 'read_error' | 'connect_error' | 'timeout_error' | 'unknown' | 'decode_error' | string;
  error_message: string;
  timestamp: LocalIsoTimestamp;
}

export interface ProviderContextLimitErrorMessage {
  type: 'provider_context_limit_error';
  /** `null` when no session was active. */
  session_id: number | null;
  error: string;
  provider: string;
  model: string;
  estimated_tokens: number;
  max_context: number;
  message: string;
}

export interface CompactionEventMessage {
  type: 'compaction_event';
  session_id: number;
  timestamp?: LocalIsoTimestamp;
  history_id?: number;
  compaction: CompactionShapeA | CompactionShapeB;
}

export interface AutoCompactionToggledMessage {
  type: 'auto_compaction_toggled';
  session_id: number;
  /** Echoed unvalidated: can be `"false"`. Use `toBoolean`. */
  enabled: unknown;
  timestamp: LocalIsoTimestamp;
}

export interface ReservedTokensUpdatedMessage {
  type: 'reserved_tokens_updated';
  session_id: number;
  /** Echoed unvalidated. Use `toInteger`. */
  reserved_tokens: unknown;
}

export interface CompressionEventMessage {
  type: 'compression_event';
  session_id: number;
  timestamp: LocalIsoTimestamp;
  compression: CompressionPayload;
}

export interface ClineUsageUpdatedMessage {
  type: 'cline_usage_updated';
  /** Epoch, normally milliseconds (seconds if the ledger stored seconds). */
  latest_ts: number | null;
  latest_count: number;
  imported_count: number;
  timestamp: LocalIsoTimestamp;
}

export interface MemoryCompressionCompletedMessage {
  type: 'memory_compression_completed';
  strategy: unknown;
  threshold: unknown;
  memories_processed: number;
  timestamp: LocalIsoTimestamp;
}

/** Direct reply: either `result` or `error` (then no `result` key). */
export interface MemoryReply<T extends string, R> {
  type: T;
  requestId: unknown;
  result?: R;
  error?: string;
}

export type MemoryCompressPreviewResponseMessage = MemoryReply<'memory_compress_preview_response', CompressionPreviewResult>;
export type MemoryCompressResultResponseMessage = MemoryReply<'memory_compress_result_response', CompressionPreviewResult>;
export type MemorySimilarityResultResponseMessage = MemoryReply<'memory_similarity_result_response', SimilarityResult>;

// ---- in the code but never sent ------------------------------------------------------------

export interface SanitizerEventMessage {
  type: 'sanitizer_event';
  session_id: number;
  event: {
    type: 'model_fallback' | 'context_warning' | string;
    level: string;
    message: string;
    [key: string]: unknown;
  };
}

export interface AutoMemoryStoredMessage {
  type: 'auto_memory_stored';
  session_id: number;
  count: number;
  memories: { id: number; type: 'episodic' | 'frequent' | 'semantic' | string; confidence: number; reason: string }[];
}

// ---- legacy (older server versions) ----------------------------------------------------------

export interface LegacyMetric {
  id: number;
  timestamp: LocalIsoTimestamp;
  estimated_tokens: number;
  cumulative_tokens: number;
  cumulative_billing?: number;
  delta_tokens?: number;
  system_tokens?: number;
  history_tokens?: number;
  percentage: number;
  content_preview?: string | null;
  is_estimated?: boolean;
  source?: string;
}

/** Legacy (older Kimi Proxy versions, docs/PROTOCOL.md §6): sent when a request was received. */
export interface MetricMessage {
  type: 'metric';
  session_id: number;
  session_updated?: boolean;
  alert: ThresholdAlert | null;
  sanitizer?: Record<string, unknown> | null;
  mcp_memory?: Record<string, unknown> | null;
  metric: LegacyMetric;
}

export interface MemoryMetricsUpdateMessage {
  type: 'memory_metrics_update';
  session_id: number;
  timestamp?: LocalIsoTimestamp;
  memory: {
    memory_tokens: number;
    chat_tokens: number;
    total_tokens: number;
    /** 0–100. */
    memory_ratio: number;
    segment_count: number;
  };
}

export interface ContextLimitViolationMessage {
  type: 'context_limit_violation';
  session_id: number | null;
  message: string;
  violation: Record<string, unknown>;
}

export interface ContextPerformanceAlertMessage {
  type: 'context_performance_alert';
  session_id: number | null;
  message: string;
  alert: { level: string; color?: string; message: string; recommendations?: string[]; [key: string]: unknown };
  metrics?: Record<string, unknown>;
}

export interface SessionDeletedMessage {
  type: 'session_deleted';
  session_id: number;
}

/** Expected by the old frontend, never sent by any server version. */
export interface SessionUpdatedMessage {
  type: 'session_updated';
  session_name?: string;
}

/** Expected by the old frontend, never sent by any server version. */
export interface CompactionAlertMessage {
  type: 'compaction_alert';
  alert: { level: string; message: string; tokens?: number; percentage?: number; [key: string]: unknown };
}

/** Every message type PROTOCOL.md names, keyed by its `type`. */
export interface KimiMessageMap {
  init: InitMessage;
  new_session: NewSessionMessage;
  session_activated: SessionActivatedMessage;
  auto_session_created: AutoSessionCreatedMessage;
  auto_session_toggled: AutoSessionToggledMessage;
  sessions_bulk_deleted: SessionsBulkDeletedMessage;
  log_metric: LogMetricMessage;
  metric_updated: MetricUpdatedMessage;
  streaming_error: StreamingErrorMessage;
  request_failed: RequestFailedMessage;
  proxy_stats: ProxyStatsMessage;
  proxy_stats_unavailable: ProxyStatsUnavailableMessage;
  provider_context_limit_error: ProviderContextLimitErrorMessage;
  compaction_event: CompactionEventMessage;
  auto_compaction_toggled: AutoCompactionToggledMessage;
  reserved_tokens_updated: ReservedTokensUpdatedMessage;
  compression_event: CompressionEventMessage;
  cline_usage_updated: ClineUsageUpdatedMessage;
  memory_compression_completed: MemoryCompressionCompletedMessage;
  memory_compress_preview_response: MemoryCompressPreviewResponseMessage;
  memory_compress_result_response: MemoryCompressResultResponseMessage;
  memory_similarity_result_response: MemorySimilarityResultResponseMessage;
  sanitizer_event: SanitizerEventMessage;
  auto_memory_stored: AutoMemoryStoredMessage;
  metric: MetricMessage;
  memory_metrics_update: MemoryMetricsUpdateMessage;
  context_limit_violation: ContextLimitViolationMessage;
  context_performance_alert: ContextPerformanceAlertMessage;
  session_deleted: SessionDeletedMessage;
  session_updated: SessionUpdatedMessage;
  compaction_alert: CompactionAlertMessage;
}

export type KimiMessageType = keyof KimiMessageMap;

/** Discriminated union of every known message. */
export type KnownKimiMessage = KimiMessageMap[KimiMessageType];

/** A message whose `type` this version does not know; it is still delivered under its own name. */
export interface UnknownKimiMessage {
  type: string;
  session_id?: unknown;
  [key: string]: unknown;
}

export type KimiMessage = KnownKimiMessage | UnknownKimiMessage;

// ---- client → server commands ------------------------------------------------------------------

export interface MemoryCompressPreviewCommand {
  type: 'memory_compress_preview';
  strategy?: string;
  /** 0–1. */
  threshold?: number;
  requestId?: unknown;
}

export interface MemoryCompressExecuteCommand {
  type: 'memory_compress_execute';
  strategy?: string;
  threshold?: number;
  dryRun?: boolean;
  requestId?: unknown;
}

export interface MemorySimilaritySearchCommand {
  type: 'memory_similarity_search';
  requestId?: unknown;
  payload: {
    reference_id?: string;
    reference_text?: string;
    method?: 'cosine' | 'jaccard' | 'levenshtein';
    threshold?: number;
    limit?: number;
  };
}

export type KimiCommand =
  MemoryCompressPreviewCommand | MemoryCompressExecuteCommand | MemorySimilaritySearchCommand | { type: string; [key: string]: unknown };
