import type { MetricRow, SessionRow, SessionStats } from './messages.js';
import type { ServerClock } from './server-clock.js';
import { readingsFromRows, type UsageReading, type UsageRefusal } from './usage-readings.js';
import { capText } from './text.js';
import { sessionIdOf } from './session-filter.js';

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

/**
 * A session id that may become part of an address: Kimi Proxy's ids are SQLite row ids, whole
 * numbers. Anything else (`"active"`, `".."`, `"../x"`, `"1?x"`, `"%2e%2e"`, `"abc"`) would name
 * another route or nothing, and is refused before any URL is built.
 */
const SESSION_NUMBER = /^\d{1,16}$/;

/** Whether a canonical session id (`sessionIdOf`) is one the HTTP API can be asked about. */
export function isSessionNumber(sessionId: string): boolean {
  return SESSION_NUMBER.test(sessionId);
}

/**
 * Reads the JSON answer for `sessionId` (null: the answer of `/api/sessions/active`, whatever session
 * it names); throws `HydrationProblem` when it is not a Kimi Proxy session answer, or when it is the
 * answer for another session than the one asked.
 */
export function hydrationFrom(
  sessionId: string | null,
  body: unknown,
  at: number,
  /** The server's clock, and who is told of each `recent_metrics` row whose figures gave no reading (`readingsFromRows`). */
  reader?: { clock?: ServerClock; refused?: (refusal: UsageRefusal) => void },
): KimiHydration {
  if (!isObject(body)) throw new HydrationProblem('the answer is not a JSON object');
  if (typeof body['error'] === 'string' && !Object.hasOwn(body, 'session')) {
    if (sessionId === null) throw new HydrationProblem(`the server names no active session (${capText(body['error'], 200)})`);
    return { sessionId, found: false, error: capText(body['error'], 200), session: null, provider: null, stats: null, window: null, readings: [], at };
  }
  const session = body['session'];
  const answered = isObject(session) ? sessionIdOf(session['id']) : null;
  if (!answered || !isObject(session)) throw new HydrationProblem('the answer has no "session" object with an id');
  if (!isSessionNumber(answered)) throw new HydrationProblem(`the answer names session "${capText(answered, 40)}", which is not a session number`);
  if (sessionId !== null && answered !== sessionId) throw new HydrationProblem(`the answer is for session ${answered}, not session ${sessionId}; not shown`);
  const max = session['max_context'];
  const window = typeof max === 'number' && Number.isFinite(max) && max > 0 ? max : null;
  return {
    sessionId: answered,
    found: true,
    error: null,
    session: session as unknown as KimiHydration['session'],
    provider: isObject(body['provider']) ? (body['provider'] as KimiHydration['provider']) : null,
    stats: isObject(body['stats']) ? (body['stats'] as unknown as SessionStats) : null,
    window,
    readings: readingsFromRows(body['recent_metrics'], answered, 'hydrate', reader?.clock, at, reader?.refused),
    at,
  };
}

/**
 * `http(s)://host/api/sessions/{id}` (or `/active` for null) for a WebSocket URL, or under an explicit
 * API base. Throws `HydrationProblem` for an id that is not a session number (`isSessionNumber`).
 */
export function sessionApiUrl(webSocketUrl: string, sessionId: string | null, apiBase = ''): string {
  if (sessionId !== null && !isSessionNumber(sessionId)) {
    throw new HydrationProblem(
      `the session id "${capText(sessionId, 40)}" is not a session number (Kimi Proxy's ids are whole numbers), so it is not asked over HTTP`,
    );
  }
  let base: URL;
  try {
    // `globalThis`: protocol/ also runs where there is no page (the relay's uplink on Node).
    base = new URL(apiBase || webSocketUrl, (globalThis as { location?: { href: string } }).location?.href);
  } catch {
    throw new HydrationProblem(`cannot build the HTTP address of the session from "${capText(apiBase || webSocketUrl, 200)}"`);
  }
  if (base.protocol === 'ws:') base.protocol = 'http:';
  else if (base.protocol === 'wss:') base.protocol = 'https:';
  // The API base keeps its path and its query (after the route, where a query belongs); no fragment.
  const query = apiBase ? base.search : '';
  base.search = '';
  base.hash = '';
  const root = apiBase ? base.href.replace(/\/+$/, '') : base.origin;
  return `${root}/api/sessions/${sessionId ?? 'active'}${query}`;
}
