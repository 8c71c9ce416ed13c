import type { MetricRow, SessionRow, SessionStats } from './messages.js';
import type { ServerClock } from './server-clock.js';
import { readingsFromRows, type UsageReading } from './usage-readings.js';
import { capText } from './text.js';

/**
 * Kimi Proxy's `GET /api/sessions/{id}` (PROTOCOL.md §14): what a session holds, for any session,
 * active or not. HTTP 200 in every case; an unknown id answers `{"error": "Session {id} introuvable"}`.
 */
export interface SessionAnswer {
  session: SessionRow & { max_context?: number };
  provider?: { key?: string; name?: string; color?: string; icon?: string; info?: unknown } | null;
  memory?: unknown;
  stats?: SessionStats | null;
  recent_metrics?: MetricRow[];
}

/** The `detail` of `kimi:hydrate`. */
export interface KimiHydration {
  /** The session asked for. */
  sessionId: string;
  /** False when the server does not know the session (it answered `{"error": …}`). */
  found: boolean;
  /** The server's own words when not found, capped. */
  error: string | null;
  /** The session row, with `max_context`; null when not found. */
  session: (SessionRow & { max_context?: number }) | null;
  provider: SessionAnswer['provider'] | null;
  stats: SessionStats | null;
  /** The session model's context window (`session.max_context`), when given. */
  window: number | null;
  /** `recent_metrics` as usage readings, oldest first (`origin: 'history'`, `frame: 'hydrate'`). */
  readings: UsageReading[];
  /** Epoch ms when the answer arrived. */
  at: number;
}

/** What was wrong with an answer that is not Kimi Proxy's. */
export class HydrationProblem extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads the JSON answer; throws `HydrationProblem` when it is not a Kimi Proxy session answer. */
export function hydrationFrom(sessionId: string, body: unknown, at: number, clock?: ServerClock): KimiHydration {
  if (!isObject(body)) throw new HydrationProblem('the answer is not a JSON object');
  if (typeof body['error'] === 'string' && !Object.hasOwn(body, 'session')) {
    return { sessionId, found: false, error: capText(body['error'], 200), session: null, provider: null, stats: null, window: null, readings: [], at };
  }
  const session = body['session'];
  if (!isObject(session) || (typeof session['id'] !== 'number' && typeof session['id'] !== 'string')) {
    throw new HydrationProblem('the answer has no "session" object with an id');
  }
  const max = session['max_context'];
  const window = typeof max === 'number' && Number.isFinite(max) && max > 0 ? max : null;
  return {
    sessionId,
    found: true,
    error: null,
    session: session as unknown as KimiHydration['session'],
    provider: isObject(body['provider']) ? (body['provider'] as KimiHydration['provider']) : null,
    stats: isObject(body['stats']) ? (body['stats'] as unknown as SessionStats) : null,
    window,
    readings: readingsFromRows(body['recent_metrics'], sessionId, 'hydrate', clock),
    at,
  };
}

/** `http(s)://host/api/sessions/{id}` (or `/active`) for a WebSocket URL, or under an explicit API base. */
export function sessionApiUrl(webSocketUrl: string, sessionId: string | null, apiBase = ''): string {
  const base = new URL(apiBase || webSocketUrl, typeof location === 'undefined' ? undefined : location.href);
  if (base.protocol === 'ws:') base.protocol = 'http:';
  else if (base.protocol === 'wss:') base.protocol = 'https:';
  const root = apiBase ? base.href.replace(/\/+$/, '') : base.origin;
  return `${root}/api/sessions/${sessionId === null ? 'active' : encodeURIComponent(sessionId)}`;
}
