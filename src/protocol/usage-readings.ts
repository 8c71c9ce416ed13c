import type { KimiMessage, LogMetricMessage, MetricMessage, MetricRow, MetricUpdatedMessage } from './messages.js';
import type { ServerClock } from './server-clock.js';
import { capText } from './text.js';
import { sessionIdOf } from './session-filter.js';

/**
 * Usage readings: how much of a context window one conversation uses, from whichever frame said so.
 * Kimi Proxy mixes several conversations and windows in one stream (PROTOCOL.md §15): the proxied
 * requests of the session (relative to the session model's window), Continue's own log lines (the
 * IDE's window), the Kimi CLI's session usage (the CLI's window). A reading keeps its source and its
 * own window; nothing here ever labels one source's tokens with another's window.
 */

/**
 * Where a reading comes from:
 * - `proxy`: a request that went through the proxy (`metric_updated`, a metrics row of `init` or of
 *   hydration, legacy `metric`). The server's threshold alerts are computed on these.
 * - `continue`: a Continue IDE log line with token counts (`log_metric` `continue_logs`, legacy `logs`).
 * - `kimi-cli`: the Kimi CLI's session usage (`log_metric` `kimi_session_*`).
 * - `log:<source>`: any other log source that reports a token total (a newer server).
 */
export type UsageSource = 'proxy' | 'continue' | 'kimi-cli' | `log:${string}`;

export type UsageLevel = 'ok' | 'caution' | 'warning' | 'critical';

/** The frame a reading was read from; `hydrate` is the HTTP answer of `GET /api/sessions/{id}`. */
export type UsageFrame = 'metric_updated' | 'log_metric' | 'metric' | 'init' | 'hydrate';

/** One reading, the `detail` of `kimi:metric`. */
export interface UsageReading {
  /** The session it belongs to, as a string; null when the frame named none. */
  sessionId: string | null;
  source: UsageSource;
  /** Tokens in the context. */
  tokens: number;
  /** This source's context window in tokens; null when the frame neither stated nor implied it. */
  window: number | null;
  /** Share of the window, 0–100 (log frames can exceed 100): tokens ÷ window × 100 (see `reading`). */
  percentage: number;
  /** Threshold level of `percentage` (80 / 90 / 95 %, PROTOCOL.md §3.4). */
  level: UsageLevel;
  /** Epoch ms on this browser's clock (server times are corrected for its zone and clock skew). */
  time: number;
  /** The metrics row id (`metric_updated.metric_id`, `MetricRow.id`): the same request live and in history. */
  metricId: number | null;
  /** A history row the provider never confirmed (`is_estimated` 1): the proxy's guess before sending. */
  estimated: boolean;
  /** `live` from a frame as it happened; `history` from `init` or hydration rows. */
  origin: 'live' | 'history';
  frame: UsageFrame;
  /** What it was read from: the frame, or the metrics row for history. */
  message: KimiMessage | MetricRow;
}

/** Threshold levels of the Kimi dashboard (PROTOCOL.md §3.4). */
export const THRESHOLDS = [
  { level: 'caution', percentage: 80 },
  { level: 'warning', percentage: 90 },
  { level: 'critical', percentage: 95 },
] as const;

export function levelOf(percentage: number): UsageLevel {
  if (percentage >= 95) return 'critical';
  if (percentage >= 90) return 'warning';
  if (percentage >= 80) return 'caution';
  return 'ok';
}

const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
/** Longest `log:<source>` name kept: sources are keys of series and labels on screen. */
const MAX_SOURCE_NAME = 48;

const SOURCE_LABELS: ReadonlyMap<string, string> = new Map([
  ['proxy', 'Proxy requests'],
  ['continue', 'Continue log'],
  ['kimi-cli', 'Kimi CLI'],
]);

/** "Proxy requests", "Continue log", "Kimi CLI", or the log source's own name. */
export function sourceLabel(source: string): string {
  return SOURCE_LABELS.get(source) ?? (source.startsWith('log:') ? `Log ${source.slice(4)}` : capText(source, MAX_SOURCE_NAME));
}

/**
 * A reading from tokens and what the frame says of the window. A stated window gives the percentage
 * (tokens ÷ window). A frame with a percentage but no window (`metric_updated`, metrics rows) keeps
 * the server's percentage, which its alerts were computed from, and implies the window it was
 * computed with (tokens × 100 ÷ percentage, rounded): every figure of a reading agrees.
 */
function reading(fields: Omit<UsageReading, 'window' | 'percentage' | 'level'>, statedWindow: unknown, serverPercentage: unknown): UsageReading | null {
  const { tokens } = fields;
  if (!finite(tokens) || tokens < 0) return null;
  let window: number | null = null;
  let percentage: number;
  if (finite(statedWindow) && statedWindow > 0) {
    window = Math.round(statedWindow);
    percentage = (tokens / statedWindow) * 100;
  } else if (finite(serverPercentage) && serverPercentage >= 0) {
    percentage = serverPercentage;
    if (percentage > 0 && tokens > 0) window = Math.round((tokens * 100) / percentage);
  } else return null;
  return { ...fields, window, percentage, level: levelOf(percentage) };
}

/** The canonical session id (`"03"` is `"3"`, as the filter compares them), or null. */
const sessionOf = (value: unknown): string | null => sessionIdOf(value) || null;

/**
 * `metric_updated`: `cumulative_tokens` is input + output of the latest request (not a running
 * total), i.e. the context in use; `cumulative_percentage` its share of the session model's window.
 * No timestamp in the frame: it is stamped on arrival.
 */
export function readingFromMetricUpdated(message: MetricUpdatedMessage, now: number): UsageReading | null {
  return reading(
    {
      sessionId: sessionOf(message.session_id),
      source: 'proxy',
      tokens: message.cumulative_tokens,
      time: now,
      metricId: finite(message.metric_id) ? message.metric_id : null,
      estimated: false,
      origin: 'live',
      frame: 'metric_updated',
      message,
    },
    null,
    message.cumulative_percentage,
  );
}

/** The usage source of a log frame, or null when its figures are not the context in use. */
export function logUsageSource(message: LogMetricMessage): UsageSource | null {
  const source = typeof message.source === 'string' ? message.source : '';
  const family = typeof message.source_family === 'string' ? message.source_family : '';
  // Error frames quote limits, CompileChat blocks count only how the prompt was built, kimi_global
  // lines only announce a window.
  if (family === 'error' || family === 'continue_compile' || family === 'kimi_global') return null;
  if (/error|compile/.test(source.slice(0, 64)) || source === 'kimi_global') return null;
  if (family === 'continue_logs' || source === 'continue_logs' || source === 'logs') return 'continue';
  if (family === 'kimi_session' || source.startsWith('kimi_session')) return 'kimi-cli';
  if (!source) return null;
  return `log:${capText(source, MAX_SOURCE_NAME)}`;
}

/**
 * A usage `log_metric` (`total_tokens` > 0), with the window that frame states: Continue's and the
 * Kimi CLI's windows are their own, not the session model's. Its timestamp is the server's local
 * time at send, read through `clock`.
 */
export function readingFromLogMetric(message: LogMetricMessage, now: number, clock?: ServerClock): UsageReading | null {
  const m = message.metrics;
  if (!m || typeof m !== 'object') return null;
  const source = logUsageSource(message);
  if (source === null || !finite(m.total_tokens) || m.total_tokens <= 0) return null;
  const time = clock ? clock.toBrowserTime(message.timestamp) : NaN;
  return reading(
    {
      sessionId: sessionOf(message.session_id),
      source,
      tokens: m.total_tokens,
      time: Number.isFinite(time) ? time : now,
      metricId: null,
      estimated: false,
      origin: 'live',
      frame: 'log_metric',
      message,
    },
    m.max_context,
    m.percentage,
  );
}

/** Legacy `metric` (older servers). Its token fields were 0 by a server bug: those yield nothing. */
export function readingFromLegacyMetric(message: MetricMessage, now: number, clock?: ServerClock): UsageReading | null {
  const m = message.metric;
  if (!m || typeof m !== 'object' || !finite(m.percentage) || m.percentage <= 0) return null;
  const tokens = finite(m.cumulative_tokens) && m.cumulative_tokens > 0 ? m.cumulative_tokens : m.estimated_tokens;
  if (!finite(tokens) || tokens <= 0) return null;
  const time = clock ? clock.toBrowserTime(m.timestamp) : NaN;
  return reading(
    {
      sessionId: sessionOf(message.session_id),
      source: 'proxy',
      tokens,
      time: Number.isFinite(time) ? time : now,
      metricId: finite(m.id) ? m.id : null,
      estimated: false,
      origin: 'live',
      frame: 'metric',
      message,
    },
    null,
    m.percentage,
  );
}

/**
 * Metrics rows (`init.recent_metrics`, hydration's `recent_metrics`; newest first, at most 50) as
 * readings oldest first. A row is a proxied request: `estimated_tokens` is its size (the provider's
 * count once usage arrived), `percentage` its share of the session model's window, `timestamp`
 * SQLite UTC on the server's clock. Rows the provider never confirmed keep `estimated: true`.
 */
export function readingsFromRows(rows: unknown, sessionId: string | null, frame: 'init' | 'hydrate', clock?: ServerClock): UsageReading[] {
  if (!Array.isArray(rows)) return [];
  const out: UsageReading[] = [];
  for (let i = Math.min(rows.length, 200) - 1; i >= 0; i--) {
    const row = rows[i] as MetricRow | null;
    if (!row || typeof row !== 'object') continue;
    const time = clock ? clock.toBrowserTime(row.timestamp) : NaN;
    if (!Number.isFinite(time)) continue;
    const r = reading(
      {
        sessionId: sessionOf(row.session_id) ?? sessionId,
        source: 'proxy',
        tokens: row.estimated_tokens,
        time,
        metricId: finite(row.id) ? row.id : null,
        // 0/1 from SQLite; anything but an explicit 0 counts as unconfirmed.
        estimated: row.is_estimated !== 0 && (row.is_estimated as unknown) !== false,
        origin: 'history',
        frame,
        message: row,
      },
      null,
      row.percentage,
    );
    if (r) out.push(r);
  }
  return out;
}
