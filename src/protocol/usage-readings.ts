import type { KimiMessage, LogMetricMessage, MetricMessage, MetricRow, MetricUpdatedMessage, TapMetricRow, TapRequestFacts } from './messages.js';
import { ServerClock } from './server-clock.js';
import { capText } from './text.js';
import { durationMs, percentage as shareOf, rowId, tokenCount, windowSize, MAX_PERCENTAGE } from './ranges.js';
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
  /**
   * Epoch ms on this browser's clock (server times are corrected for its zone and clock skew), never
   * later than the moment the reading arrived: a server time in the future is clamped to that moment.
   * A request's time is when it ended when the tap says so (`ended_at`), else its arrival live, else
   * its history row's start (whole seconds).
   */
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
  /** The proxied request behind a `proxy` reading (null for log frames): see `RequestFacts`. */
  request: RequestFacts | null;
}

/**
 * What is known of one proxied request. Kimi Proxy itself gives only the prompt / completion split;
 * `kimi-tap` (PROTOCOL.md §17) adds the rest. Every field it did not send is null: nothing is guessed.
 */
export interface RequestFacts {
  /** The model the request named (tap); null when the frame did not say (use the session's model). */
  model: string | null;
  /** HTTP status of the upstream answer (tap); null when unknown. */
  status: number | null;
  /** Time to first token, ms (tap); null when unknown or no byte came. */
  ttftMs: number | null;
  /** Request received → last byte, ms (tap); null when unknown. */
  durationMs: number | null;
  /** Request start / end, epoch ms on this browser's clock, never after arrival (tap); null when unknown. */
  startedAt: number | null;
  endedAt: number | null;
  /** Input tokens; null when the frame gave no split. */
  promptTokens: number | null;
  /** Output tokens; null when the frame gave no split. */
  completionTokens: number | null;
  /** Input tokens served from the provider's cache (tap); null when not reported. */
  cachedTokens: number | null;
  /** The counts are an estimate (the tap's tokenizer, or a history row the provider never confirmed). */
  estimated: boolean;
}

/**
 * Why a frame that carries usage gave no reading: a figure out of its range (`ranges.ts`), or figures
 * that contradict each other. Made only then: a frame that is fine costs nothing more. `field` is the
 * figure's path in the frame (`cumulative_percentage`, `metrics.max_context`; for a row of `init`, its field: `percentage`).
 */
export class UsageRefusal {
  constructor(
    readonly frame: UsageFrame,
    readonly field: string,
    readonly value: unknown,
  ) {}
}

/** The names of a frame's figures: tokens, stated window, server percentage. */
type FigureNames = readonly [tokens: string, window: string, percentage: string];
const UPDATED_FIELDS: FigureNames = ['cumulative_tokens', '', 'cumulative_percentage'];
const LOG_FIELDS: FigureNames = ['metrics.total_tokens', 'metrics.max_context', 'metrics.percentage'];
// Legacy `metric` and metrics rows: the fields of the `metric` object, of a `recent_metrics` row.
const LEGACY_FIELDS: FigureNames = ['cumulative_tokens', '', 'percentage'];
const ROW_FIELDS: FigureNames = ['estimated_tokens', '', 'percentage'];

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
/** Reads server times when the caller has no clock of its own: naive times in this browser's zone. */
const BROWSER_ZONE = new ServerClock();
/** Longest model name kept: models are table keys and labels on screen. */
const MAX_MODEL_NAME = 120;

/**
 * The request facts a `metric_updated`, `request_failed` or metrics row carries (tap fields when
 * present, PROTOCOL.md §17.1); `prompt` / `completion` are Kimi Proxy's own split when it has one.
 * Every figure goes through its range (`ranges.ts`); times are read no later than `arrival`.
 */
export function requestFacts(
  facts: TapRequestFacts,
  prompt: unknown,
  completion: unknown,
  estimated: boolean,
  clock: ServerClock = BROWSER_ZONE,
  arrival: number = Date.now(),
): RequestFacts {
  const at = (value: unknown): number | null => {
    if (typeof value !== 'string') return null;
    const t = clock.readAt(value, arrival);
    return Number.isFinite(t) ? t : null;
  };
  const status = facts.status;
  return {
    model: typeof facts.model === 'string' && facts.model ? capText(facts.model, MAX_MODEL_NAME) : null,
    status: Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599 ? (status as number) : null,
    ttftMs: durationMs(facts.ttft_ms),
    durationMs: durationMs(facts.duration_ms),
    startedAt: at(facts.started_at),
    endedAt: at(facts.ended_at),
    promptTokens: tokenCount(prompt),
    completionTokens: tokenCount(completion),
    cachedTokens: tokenCount(facts.cached_tokens),
    estimated: estimated || facts.estimated === true,
  };
}
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
 *
 * Each figure must be in its range (`ranges.ts`): tokens out of range, or a share with no usable
 * window, give no reading; a stated window out of range counts as not stated. Figures that contradict
 * each other (0 tokens at 97 %, or 5 tokens at 90 %: a window of 5 tokens) give no reading either:
 * whichever is wrong, the panels would show a sum that does not add up. Then the answer is a
 * `UsageRefusal` naming the figure (`names`: the tokens, or the window that makes them over 10× it,
 * or the share); null when the frame states no tokens, or neither a window nor a share.
 */
function reading(
  fields: Omit<UsageReading, 'window' | 'percentage' | 'level'>,
  statedWindow: unknown,
  serverPercentage: unknown,
  names: FigureNames,
): UsageReading | UsageRefusal | null {
  const given = fields.tokens as unknown;
  const tokens = tokenCount(given);
  if (tokens === null) return given == null ? null : new UsageRefusal(fields.frame, names[0], given);
  const stated = windowSize(statedWindow);
  let window: number | null = null;
  let percentage: number;
  if (stated !== null) {
    window = stated;
    percentage = (tokens / stated) * 100;
    if (percentage > MAX_PERCENTAGE) return new UsageRefusal(fields.frame, names[1], statedWindow);
  } else {
    const server = shareOf(serverPercentage);
    // No usable share: the stated window is to blame when there was one (it is out of range).
    if (server === null) {
      if (statedWindow != null) return new UsageRefusal(fields.frame, names[1], statedWindow);
      return serverPercentage == null ? null : new UsageRefusal(fields.frame, names[2], serverPercentage);
    }
    percentage = server;
    if (percentage > 0) {
      // 0 tokens at a share above 0 %, or a share that implies a window no model has.
      if (tokens === 0) return new UsageRefusal(fields.frame, names[2], server);
      window = windowSize(Math.round((tokens * 100) / percentage));
      if (window === null) return new UsageRefusal(fields.frame, names[2], server);
    }
  }
  // Completed in place (the keys keep their order): spreading `fields` into a new object and
  // overwriting `tokens` took V8's slow path in Node (BENCHMARKS.md, profile of the per-frame path).
  const r = fields as UsageReading;
  r.tokens = tokens;
  r.window = window;
  r.percentage = percentage;
  r.level = levelOf(percentage);
  return r;
}

/**
 * When a request ended as the tap stamped it (`ended_at`, else `started_at`; PROTOCOL.md §17), on
 * this browser's clock and never after `arrival`; NaN when the frame or row has neither.
 */
function tapTime(facts: TapRequestFacts, arrival: number, clock: ServerClock): number {
  const stamp = facts.ended_at ?? facts.started_at;
  return stamp === undefined ? NaN : clock.readAt(stamp, arrival);
}

/** The canonical session id (`"03"` is `"3"`, as the filter compares them), or null. */
const sessionOf = (value: unknown): string | null => sessionIdOf(value) || null;

/**
 * `metric_updated`: `cumulative_tokens` is input + output of the latest request (not a running
 * total), i.e. the context in use; `cumulative_percentage` its share of the session model's window.
 * Kimi Proxy's frame has no timestamp: it is stamped on arrival. The tap's frame says when the
 * request ended (`ended_at`), the same time its history row gives: the request keeps one time.
 */
export function readingFromMetricUpdated(message: MetricUpdatedMessage, now: number, clock: ServerClock = BROWSER_ZONE): UsageReading | UsageRefusal | null {
  const stamped = tapTime(message, now, clock);
  const real = message.real_tokens && typeof message.real_tokens === 'object' ? message.real_tokens : null;
  return reading(
    {
      sessionId: sessionOf(message.session_id),
      source: 'proxy',
      tokens: message.cumulative_tokens,
      time: Number.isFinite(stamped) ? stamped : now,
      metricId: rowId(message.metric_id),
      estimated: false,
      origin: 'live',
      frame: 'metric_updated',
      message,
      request: requestFacts(message, real?.prompt, real?.completion, false, clock, now),
    },
    null,
    message.cumulative_percentage,
    UPDATED_FIELDS,
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
export function readingFromLogMetric(message: LogMetricMessage, now: number, clock: ServerClock = BROWSER_ZONE): UsageReading | UsageRefusal | null {
  const m = message.metrics;
  if (!m || typeof m !== 'object') return null;
  const source = logUsageSource(message);
  if (source === null || !finite(m.total_tokens) || m.total_tokens <= 0) return null;
  const time = clock.readAt(message.timestamp, now);
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
      request: null,
    },
    m.max_context,
    m.percentage,
    LOG_FIELDS,
  );
}

/** Legacy `metric` (older servers). Its token fields were 0 by a server bug: those yield nothing. */
export function readingFromLegacyMetric(message: MetricMessage, now: number, clock: ServerClock = BROWSER_ZONE): UsageReading | UsageRefusal | null {
  const m = message.metric;
  if (!m || typeof m !== 'object' || !finite(m.percentage) || m.percentage <= 0) return null;
  const tokens = finite(m.cumulative_tokens) && m.cumulative_tokens > 0 ? m.cumulative_tokens : m.estimated_tokens;
  if (!finite(tokens) || tokens <= 0) return null;
  const time = clock.readAt(m.timestamp, now);
  return reading(
    {
      sessionId: sessionOf(message.session_id),
      source: 'proxy',
      tokens,
      time: Number.isFinite(time) ? time : now,
      metricId: rowId(m.id),
      estimated: false,
      origin: 'live',
      frame: 'metric',
      message,
      request: null,
    },
    null,
    m.percentage,
    LEGACY_FIELDS,
  );
}

/**
 * Order of readings: by time, and by metric id where both have one and their times tie. SQLite keeps
 * whole seconds, so the rows of one second tie on time; the id says which request came first.
 */
export function readingOrder(a: UsageReading, b: UsageReading): number {
  return a.time - b.time || (a.metricId !== null && b.metricId !== null ? a.metricId - b.metricId : 0);
}

/**
 * A row's request. A row the provider never confirmed has no split (prompt and completion 0): its
 * `estimated_tokens`, the proxy's count of the prompt before sending, stand as input, marked estimated.
 */
function rowRequest(row: TapMetricRow, estimated: boolean, clock: ServerClock, now: number): RequestFacts {
  const unsplit = estimated && !row.prompt_tokens && !row.completion_tokens && finite(row.estimated_tokens);
  return requestFacts(row, unsplit ? row.estimated_tokens : row.prompt_tokens, unsplit ? 0 : row.completion_tokens, estimated, clock, now);
}

/**
 * Metrics rows (`init.recent_metrics`, hydration's `recent_metrics`; newest first, at most 50) as
 * readings oldest first (rows of the same second by id). A row is a proxied request:
 * `estimated_tokens` is its size (the provider's count once usage arrived), `percentage` its share of
 * the session model's window, `timestamp` SQLite UTC on the server's clock, the request's start (the
 * tap's rows say when it ended: `ended_at`, which its live frame says too). A row stamped after the
 * answer arrived (`now`), by a server clock ahead or a bad row, is placed at that moment: it is not
 * newer than what arrives next. Rows the provider never confirmed keep `estimated: true`.
 */
export function readingsFromRows(
  rows: unknown,
  sessionId: string | null,
  frame: 'init' | 'hydrate',
  clock: ServerClock = BROWSER_ZONE,
  now: number = Date.now(),
  /** Told of each row refused (`UsageRefusal`); the row is left out. */
  refused?: (refusal: UsageRefusal) => void,
): UsageReading[] {
  if (!Array.isArray(rows)) return [];
  const out: UsageReading[] = [];
  for (let i = Math.min(rows.length, 200) - 1; i >= 0; i--) {
    const row = rows[i] as TapMetricRow | null;
    if (!row || typeof row !== 'object') continue;
    const stamped = tapTime(row, now, clock);
    const time = Number.isFinite(stamped) ? stamped : clock.readAt(row.timestamp, now);
    if (!Number.isFinite(time)) continue;
    // 0/1 from SQLite; anything but an explicit 0 counts as unconfirmed.
    const estimated = row.is_estimated !== 0 && (row.is_estimated as unknown) !== false;
    const r = reading(
      {
        sessionId: sessionOf(row.session_id) ?? sessionId,
        source: 'proxy',
        tokens: row.estimated_tokens,
        time,
        metricId: rowId(row.id),
        estimated,
        origin: 'history',
        frame,
        message: row as MetricRow,
        request: rowRequest(row, estimated, clock, now),
      },
      null,
      row.percentage,
      ROW_FIELDS,
    );
    if (r instanceof UsageRefusal) refused?.(r);
    else if (r) out.push(r);
  }
  return out.sort(readingOrder);
}
