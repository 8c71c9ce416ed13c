// The simulator's "database": the sessions and metrics tables of Kimi Proxy's SQLite, kept in memory
// for the life of a KimiSimulator (a restart keeps it, like the real file). Answers the HTTP routes of
// PROTOCOL.md §14 and builds `init`, with the real key orders, null rules and sort orders
// (read from kimi_proxy 2c68469: core/database.py, api/routes/sessions.py, config/display.py).

import { dumps, sqliteUtc } from './format.mjs';

export const DEFAULT_MAX_CONTEXT = 262144;
/** recent_metrics holds at most this many rows (`ORDER BY timestamp DESC LIMIT 50`). */
export const RECENT_MAX = 50;
/** Hard cap on stored sessions, so a runaway test cannot grow memory without bound. */
export const SESSIONS_MAX = 1000;

// config/display.py: display name, Lucide icon, Tailwind colour per provider key.
const PROVIDER_DISPLAY = new Map([
  ['managed:kimi-code', ['🌙 Kimi Code', 'bot', 'purple']],
  ['nvidia', ['🟢 NVIDIA', 'gpu', 'green']],
  ['mistral', ['🔷 Mistral', 'wind', 'blue']],
  ['openrouter', ['🔀 OpenRouter', 'git-branch', 'orange']],
  ['siliconflow', ['💧 SiliconFlow', 'droplets', 'cyan']],
  ['groq', ['⚡ Groq', 'zap', 'yellow']],
  ['cerebras', ['🧠 Cerebras', 'brain', 'red']],
  ['gemini', ['💎 Gemini', 'sparkles', 'indigo']],
]);

// The provider's config block (`provider.info`, active session only). The real one comes from
// config.toml; API keys are left out here on purpose.
const PROVIDER_INFO = new Map([
  ['managed:kimi-code', { type: 'kimi', base_url: 'https://api.kimi.com/coding/v1' }],
  ['nvidia', { type: 'openai', base_url: 'https://integrate.api.nvidia.com/v1' }],
]);

/** Python's str.title() for the ASCII names used here. */
const title = (s) => s.replace(/[A-Za-z]+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase());

/** `get_provider_display_name`'s fallback, also used for auto-created session names. */
export function providerName(key) {
  return PROVIDER_DISPLAY.get(key)?.[0] ?? title(key.replace('managed:', '').replace(/-/g, ' '));
}

/** Auto-session names use the provider key without the emoji table: "Session Kimi Code 09:41:07". */
export function autoSessionName(provider, hms) {
  return `Session ${title(provider.replace('managed:', '').replace(/-/g, ' '))} ${hms}`;
}

const isInt = (v) => Number.isInteger(v);

/**
 * @typedef {{ id: number, session_id: number, timestamp: string, estimated_tokens: number, percentage: number,
 *   content_preview: string|null, prompt_tokens: number, completion_tokens: number, is_estimated: number,
 *   source: string, memory_tokens: number, chat_tokens: number, memory_ratio: number }} MetricRow
 * @typedef {{ id: number, row: Record<string, any>, maxContext: number, recent: MetricRow[], count: number,
 *   sum: number, max: number, cumIn: number, cumOut: number, ctx: number, memTokens: number,
 *   last: MetricRow|null }} Session
 */

export class SessionStore {
  /**
   * @param {{ clock: import('./format.mjs').Clock, maxContext?: number, autoSession?: boolean }} options
   */
  constructor({ clock, maxContext = DEFAULT_MAX_CONTEXT, autoSession = true }) {
    this.clock = clock;
    this.maxContext = maxContext;
    this.autoSessionDefault = autoSession;
    /** @type {Map<number, Session>} */
    this.sessions = new Map();
    /** @type {Map<number, unknown>} per-session auto-session switch, kept in server memory only (§4.5) */
    this.autoSession = new Map();
    /** @type {number|null} */
    this.active = null;
    this.metricId = 40; // SQLite row ids are global across sessions
    this.lastSessionId = 0;
  }

  get size() {
    return this.sessions.size;
  }
  has(id) {
    return this.sessions.has(id);
  }
  /** @returns {Session|undefined} */
  get(id) {
    return this.sessions.get(id);
  }
  /** @returns {Session|null} */
  get activeSession() {
    return this.active === null ? null : (this.sessions.get(this.active) ?? null);
  }
  ids() {
    return [...this.sessions.keys()];
  }

  /**
   * Inserts a session row (as `create_session` does for new ones, or as an existing row for seeded ones).
   * @param {{ id?: number, name: string, provider?: string, model?: string|null, externalSessionId?: string|null,
   *   maxContext?: number, createdAt?: number|string, ctx?: number }} spec `createdAt`: epoch ms, or SQLite UTC text as stored
   * @returns {Session}
   */
  insert({ id, name, provider = 'managed:kimi-code', model = null, externalSessionId = null, maxContext, createdAt, ctx = 0 }) {
    if (this.sessions.size >= SESSIONS_MAX) throw new RangeError(`at most ${SESSIONS_MAX} sessions`);
    const sid = id ?? this.lastSessionId + 1;
    if (!isInt(sid) || sid < 1) throw new TypeError('session id must be a positive integer');
    if (this.sessions.has(sid)) throw new RangeError(`session ${sid} exists`);
    if (typeof name !== 'string') throw new TypeError('name must be a string');
    if (typeof provider !== 'string' || !provider) throw new TypeError('provider must be a non-empty string');
    if (model !== null && typeof model !== 'string') throw new TypeError('model must be a string or null');
    if (externalSessionId !== null && typeof externalSessionId !== 'string') throw new TypeError('externalSessionId must be a string or null');
    const window = maxContext ?? this.maxContext;
    if (!isInt(window) || window <= 0) throw new RangeError('maxContext must be a positive integer');
    this.lastSessionId = Math.max(this.lastSessionId, sid);
    /** @type {Session} */
    const s = {
      id: sid,
      // Key order as in the fixtures (the real order depends on the database's migration history).
      row: {
        id: sid,
        name,
        provider,
        model: model || null,
        external_session_id: externalSessionId,
        created_at: createdAt === undefined ? this.clock.sqlite() : typeof createdAt === 'string' ? createdAt : sqliteUtc(createdAt),
        is_active: 0,
        reserved_tokens: 0,
        compaction_count: 0,
        last_compaction_at: null,
        auto_compaction_enabled: 1,
        auto_compaction_threshold: 0.85,
        consecutive_auto_compactions: 0,
      },
      maxContext: window,
      recent: [],
      count: 0,
      sum: 0,
      max: 0,
      cumIn: 0,
      cumOut: 0,
      ctx,
      memTokens: 0,
      last: null,
    };
    this.sessions.set(sid, s);
    return s;
  }

  /** `create_session`: deactivates every session, inserts the new one active. */
  create(spec) {
    const s = this.insert(spec);
    this.activate(s.id);
    return s;
  }

  /**
   * `set_active_session`: everything is deactivated first, so an unknown id leaves no session active.
   * @param {number|null} id
   * @returns {boolean} whether the id exists (null: true)
   */
  activate(id) {
    for (const s of this.sessions.values()) s.row.is_active = 0;
    const s = id === null ? undefined : this.sessions.get(id);
    this.active = s ? s.id : null;
    if (s) s.row.is_active = 1;
    return id === null || Boolean(s);
  }

  /**
   * `delete_sessions_bulk`: deletes one by one; unknown ids fail without undoing the earlier ones.
   * @param {unknown[]} ids
   * @returns {{ success: boolean, deleted_count: number, failed_ids: unknown[] }}
   */
  deleteMany(ids) {
    const result = { success: true, deleted_count: 0, failed_ids: [] };
    for (const id of ids) {
      if (isInt(id) && this.sessions.delete(/** @type {number} */ (id))) {
        this.autoSession.delete(/** @type {number} */ (id));
        if (this.active === id) this.active = null;
        result.deleted_count += 1;
      } else {
        result.success = false;
        result.failed_ids.push(id);
      }
    }
    return result;
  }

  /** `get_auto_session_status`: enabled unless switched off since the last (re)start. */
  autoSessionEnabled(id) {
    return this.autoSession.has(id) ? this.autoSession.get(id) : this.autoSessionDefault;
  }

  /** A restart forgets what lived in server memory only: the auto-session switches. */
  restarted() {
    this.autoSession.clear();
  }

  /**
   * One row of the metrics table. Tokens are the tiktoken estimate until usage is known.
   * @param {Session} s
   * @param {{ total: number, prompt?: number, completion?: number, estimated: boolean, preview?: string|null, at?: number,
   *   maxContext?: number, facts?: Record<string, unknown> }} r `maxContext`: the window of the percentage (the
   *   session's by default); `facts`: fields appended to the row (kimi-tap's, PROTOCOL.md §17.1)
   * @returns {MetricRow}
   */
  addRow(s, { total, prompt = 0, completion = 0, estimated, preview = '', at, maxContext = s.maxContext, facts }) {
    /** @type {MetricRow} */
    const row = {
      id: ++this.metricId,
      session_id: s.id,
      timestamp: at === undefined ? this.clock.sqlite() : sqliteUtc(at),
      estimated_tokens: total,
      percentage: (total / maxContext) * 100,
      content_preview: preview,
      prompt_tokens: prompt,
      completion_tokens: completion,
      is_estimated: estimated ? 1 : 0,
      source: 'proxy',
      memory_tokens: 0,
      chat_tokens: 0,
      memory_ratio: 0,
    };
    if (facts) Object.assign(row, facts);
    this.keep(s, row);
    return row;
  }

  /**
   * Counts a row into its session: newest-50 list and the running stats (what `addRow` does after
   * building the row; a database loader calls it for rows it read back).
   * @param {Session} s @param {MetricRow} row
   */
  keep(s, row) {
    const total = row.estimated_tokens;
    const prompt = row.prompt_tokens;
    const completion = row.completion_tokens;
    if (row.id > this.metricId) this.metricId = row.id;
    s.last = row;
    s.recent.push(row);
    if (s.recent.length > RECENT_MAX) s.recent.shift();
    s.count += 1;
    s.sum += total;
    if (total > s.max) s.max = total;
    s.cumIn += prompt > 0 ? prompt : total;
    s.cumOut += completion;
  }

  /** `get_session_stats(id)["stats"]`. */
  stats(s) {
    return {
      total_requests: s.count,
      max_tokens: s.count ? s.max : null,
      avg_tokens: s.count ? s.sum / s.count : null,
      current_input_tokens: s.cumIn,
      current_output_tokens: s.cumOut,
      current_total_tokens: s.cumIn + s.cumOut,
      cumulative_input_tokens: s.cumIn,
      cumulative_output_tokens: s.cumOut,
      cumulative_total_tokens: s.cumIn + s.cumOut,
    };
  }

  /** Newest first, at most 50. */
  recentMetrics(s) {
    return s.recent.slice().reverse();
  }

  /** SessionRow, no max_context (init, session_activated, auto_session_created, GET /api/sessions). */
  row(id) {
    const s = this.sessions.get(id);
    return s ? { ...s.row } : null;
  }

  /** SessionRowWithContext (new_session, POST /api/sessions, and `session` of the HTTP session answer). */
  rowWithContext(id) {
    const s = this.sessions.get(id);
    return s ? { ...s.row, max_context: s.maxContext } : null;
  }

  /** `get_all_sessions`: `ORDER BY created_at DESC` (ties: newest id first). */
  list() {
    return [...this.sessions.values()]
      .sort((a, b) => (a.row.created_at < b.row.created_at ? 1 : a.row.created_at > b.row.created_at ? -1 : b.id - a.id))
      .map((s) => ({ ...s.row }));
  }

  /** The `init` frame's text for a session. */
  initFrame(id) {
    const s = /** @type {Session} */ (this.sessions.get(id));
    return dumps({ type: 'init', session: s.row, stats: this.stats(s), recent_metrics: this.recentMetrics(s) });
  }

  /**
   * `GET /api/sessions/{id}` (and `/active`): the session with max_context, provider (with `info` for the
   * active session only), memory, stats and recent_metrics; `{"error": …}` for an unknown id.
   * @param {number} id
   * @returns {string} the JSON text
   */
  sessionAnswer(id) {
    const s = this.sessions.get(id);
    if (!s) return dumps({ error: `Session ${id} introuvable` });
    const key = s.row.provider;
    const [name, icon, color] = PROVIDER_DISPLAY.get(key) ?? [providerName(key), 'cpu', 'slate'];
    const provider = this.active === id ? { key, name, info: PROVIDER_INFO.get(key) ?? {}, color, icon } : { key, name, color, icon };
    // memory: get_session_memory_stats with no memory_metrics rows, integers (not SQLite REALs).
    return (
      `{"session":${dumps(this.rowWithContext(id))},"provider":${dumps(provider)},` +
      '"memory":{"memory_tokens":0,"chat_tokens":0,"memory_ratio":0},' +
      `"stats":${dumps(this.stats(s))},"recent_metrics":${dumps(this.recentMetrics(s))}}`
    );
  }
}
