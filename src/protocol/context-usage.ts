import type {
  InitMessage,
  LogMetricMessage,
  MetricMessage,
  MetricUpdatedMessage,
  NewSessionMessage,
  ProviderContextLimitErrorMessage,
} from './messages.js';
import { parseKimiTimestamp } from './timestamps.js';

/**
 * One reading of how much of the context window a session uses. Several protocol fields look like
 * this and are not (PROTOCOL.md §4.8, §12.9): the readings below pick the ones that are.
 */
export interface UsagePoint {
  /** Epoch ms. */
  time: number;
  /** Tokens in the context. */
  tokens: number;
  /** 0–100+ of the max context (log frames are not clamped). */
  percentage: number;
  /** The window, when known. */
  maxContext: number | null;
  source: 'init' | 'metric_updated' | 'log_metric' | 'metric';
}

function windowFrom(tokens: number, percentage: number): number | null {
  return percentage > 0 && tokens > 0 ? Math.round((tokens * 100) / percentage) : null;
}

const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

/**
 * `init.recent_metrics` (newest first, at most 50) as points oldest first. Rows are requests:
 * `estimated_tokens` is the request's size (real once usage arrived), `percentage` its share.
 */
export function pointsFromInit(message: InitMessage): UsagePoint[] {
  const rows = Array.isArray(message.recent_metrics) ? message.recent_metrics : [];
  const points: UsagePoint[] = [];
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    const time = parseKimiTimestamp(row.timestamp);
    if (!finite(row.estimated_tokens) || !finite(row.percentage) || !Number.isFinite(time)) continue;
    points.push({ time, tokens: row.estimated_tokens, percentage: row.percentage, maxContext: windowFrom(row.estimated_tokens, row.percentage), source: 'init' });
  }
  return points;
}

/**
 * `metric_updated`: `cumulative_tokens` is not a running total but input + output of the latest
 * request, i.e. the context in use; `cumulative_percentage` is its share, and what the alert is
 * computed from. The frame has no timestamp: it is stamped on arrival.
 */
export function pointFromMetricUpdated(message: MetricUpdatedMessage, now = Date.now()): UsagePoint | null {
  const tokens = message.cumulative_tokens;
  const percentage = message.cumulative_percentage;
  if (!finite(tokens) || !finite(percentage)) return null;
  return { time: now, tokens, percentage, maxContext: windowFrom(tokens, percentage), source: 'metric_updated' };
}

/** Sources whose totals are not the context in use: errors quote limits, compile blocks count only tools + system prompt. */
const NOT_USAGE = /error|compile/;

/**
 * `log_metric` carries usage only for request and session-usage sources with `total_tokens > 0`
 * (`continue_logs`, `kimi_session_usage`, legacy `logs`). Error frames quote limits, CompileChat
 * frames count only how the prompt was built, and `kimi_global` frames only announce the window
 * (see `maxContextOf`).
 */
export function pointFromLogMetric(message: LogMetricMessage): UsagePoint | null {
  const m = message.metrics;
  if (!m || message.source_family === 'error' || message.source_family === 'continue_compile' || NOT_USAGE.test(String(message.source))) return null;
  if (!finite(m.total_tokens) || m.total_tokens <= 0 || !finite(m.percentage)) return null;
  const time = parseKimiTimestamp(message.timestamp);
  return {
    time: Number.isFinite(time) ? time : Date.now(),
    tokens: m.total_tokens,
    percentage: m.percentage,
    maxContext: finite(m.max_context) && m.max_context > 0 ? m.max_context : null,
    source: 'log_metric',
  };
}

/** Legacy `metric` (older servers). Its token fields were 0 by a server bug: those yield nothing. */
export function pointFromLegacyMetric(message: MetricMessage): UsagePoint | null {
  const m = message.metric;
  if (!m || !finite(m.percentage) || m.percentage <= 0) return null;
  const tokens = finite(m.cumulative_tokens) && m.cumulative_tokens > 0 ? m.cumulative_tokens : m.estimated_tokens;
  if (!finite(tokens) || tokens <= 0) return null;
  const time = parseKimiTimestamp(m.timestamp);
  return { time: Number.isFinite(time) ? time : Date.now(), tokens, percentage: m.percentage, maxContext: windowFrom(tokens, m.percentage), source: 'metric' };
}

/** The context window a message states outright, if any. */
export function maxContextOf(message: NewSessionMessage | LogMetricMessage | ProviderContextLimitErrorMessage | { type: string }): number | null {
  let value: unknown = null;
  if (message.type === 'new_session') value = (message as NewSessionMessage).session?.max_context;
  else if (message.type === 'log_metric') value = (message as LogMetricMessage).metrics?.max_context;
  else if (message.type === 'provider_context_limit_error') value = (message as ProviderContextLimitErrorMessage).max_context;
  return finite(value) && value > 0 ? value : null;
}

/** Threshold levels of the Kimi dashboard (PROTOCOL.md §3.4). */
export const THRESHOLDS = [
  { level: 'caution', percentage: 80 },
  { level: 'warning', percentage: 90 },
  { level: 'critical', percentage: 95 },
] as const;

export function levelOf(percentage: number): 'ok' | 'caution' | 'warning' | 'critical' {
  if (percentage >= 95) return 'critical';
  if (percentage >= 90) return 'warning';
  if (percentage >= 80) return 'caution';
  return 'ok';
}
