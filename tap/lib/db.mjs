// The tap's history: Kimi Proxy's `sessions` and `metrics` tables (counts only: never prompt or
// completion text, never a header or key) in one SQLite file through better-sqlite3, WAL mode.
// Writes never happen on a response's path: `queue()` appends to a bounded list that is flushed in one
// transaction on a timer (or at once when the list is full, which refuses nothing and forgets nothing).
import Database from 'better-sqlite3';

const FLUSH_MS = 200;
export const QUEUE_MAX = 5_000;

const SESSION_COLUMNS = ['id', 'name', 'provider', 'model', 'external_session_id', 'created_at', 'is_active', 'max_context', 'max_context_default'];
const METRIC_COLUMNS = [
  'id',
  'session_id',
  'timestamp',
  'estimated_tokens',
  'percentage',
  'prompt_tokens',
  'completion_tokens',
  'is_estimated',
  'model',
  'stream',
  'status',
  'started_at',
  'ended_at',
  'ttft_ms',
  'duration_ms',
  'cached_tokens',
  'max_context',
  'max_context_default',
  'failed_by',
  'error',
];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, provider TEXT NOT NULL, model TEXT, external_session_id TEXT,
  created_at TEXT NOT NULL, is_active INTEGER NOT NULL DEFAULT 0, max_context INTEGER NOT NULL,
  max_context_default INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS metrics (
  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, timestamp TEXT NOT NULL, estimated_tokens INTEGER NOT NULL,
  percentage REAL NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, is_estimated INTEGER NOT NULL,
  model TEXT, stream INTEGER, status INTEGER, started_at TEXT, ended_at TEXT, ttft_ms REAL, duration_ms REAL,
  cached_tokens INTEGER, max_context INTEGER, max_context_default INTEGER, failed_by TEXT, error TEXT
);
CREATE INDEX IF NOT EXISTS metrics_session ON metrics (session_id, id);
CREATE INDEX IF NOT EXISTS metrics_time ON metrics (timestamp);
`;

const toSql = (v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v === undefined ? null : v);

export class TapDatabase {
  /**
   * @param {string} file a path, or ':memory:'
   * @param {{ onError?: (e: Error) => void }} [o]
   */
  constructor(file, { onError = () => {} } = {}) {
    this.file = file;
    this.db = new Database(file);
    if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.onError = onError;
    /** @type {Array<[string, Record<string, unknown>]>} */
    this.pending = [];
    this.timer = null;
    this.writes = 0;
    this.upsertSession = this.db.prepare(
      `INSERT INTO sessions (${SESSION_COLUMNS.join(',')}) VALUES (${SESSION_COLUMNS.map((c) => `@${c}`).join(',')})
       ON CONFLICT(id) DO UPDATE SET ${SESSION_COLUMNS.slice(1)
         .map((c) => `${c}=excluded.${c}`)
         .join(',')}`,
    );
    this.insertMetric = this.db.prepare(
      `INSERT OR REPLACE INTO metrics (${METRIC_COLUMNS.join(',')}) VALUES (${METRIC_COLUMNS.map((c) => `@${c}`).join(',')})`,
    );
    this.deactivateAll = this.db.prepare('UPDATE sessions SET is_active = 0 WHERE is_active <> 0');
    this.deleteSession = this.db.prepare('DELETE FROM sessions WHERE id = ?');
    this.deleteSessionMetrics = this.db.prepare('DELETE FROM metrics WHERE session_id = ?');
    this.flushAll = this.db.transaction((ops) => {
      for (const [op, v] of ops) {
        if (op === 'session') this.upsertSession.run(v);
        else if (op === 'metric') this.insertMetric.run(v);
        else if (op === 'activate') {
          this.deactivateAll.run();
          if (v.id !== null) this.db.prepare('UPDATE sessions SET is_active = 1 WHERE id = ?').run(v.id);
        } else if (op === 'delete') {
          this.deleteSessionMetrics.run(v.id);
          this.deleteSession.run(v.id);
        }
      }
    });
  }

  /** A session row (as the store holds it) with its window. */
  saveSession(row, maxContext, isDefault) {
    const v = {};
    for (const c of SESSION_COLUMNS) v[c] = toSql(row[c]);
    v.max_context = maxContext;
    v.max_context_default = isDefault ? 1 : 0;
    this._queue('session', v);
  }

  /** A metrics row with the tap's facts; text fields beyond the allowed ones are never written. */
  saveMetric(row) {
    const v = {};
    for (const c of METRIC_COLUMNS) v[c] = toSql(row[c]);
    this._queue('metric', v);
  }

  setActive(id) {
    this._queue('activate', { id });
  }

  removeSession(id) {
    this._queue('delete', { id });
  }

  _queue(op, v) {
    this.pending.push([op, v]);
    if (this.pending.length >= QUEUE_MAX) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref?.();
    }
  }

  flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.length) return;
    const ops = this.pending;
    this.pending = [];
    try {
      this.flushAll(ops);
      this.writes += ops.length;
    } catch (e) {
      this.onError(/** @type {Error} */ (e));
    }
  }

  /**
   * Everything a restart needs: sessions (newest `limit`), the active id, each session's aggregates and
   * newest 50 rows, the highest ids.
   */
  load(limit = 1000) {
    const sessions = this.db.prepare('SELECT * FROM sessions ORDER BY id DESC LIMIT ?').all(limit).reverse();
    const agg = this.db.prepare(
      `SELECT count(*) AS count, coalesce(sum(estimated_tokens),0) AS sum, coalesce(max(estimated_tokens),0) AS max,
        coalesce(sum(CASE WHEN prompt_tokens > 0 THEN prompt_tokens ELSE estimated_tokens END),0) AS cumIn,
        coalesce(sum(completion_tokens),0) AS cumOut FROM metrics WHERE session_id = ?`,
    );
    const recent = this.db.prepare('SELECT * FROM metrics WHERE session_id = ? ORDER BY id DESC LIMIT 50');
    const maxMetric = /** @type {{m: number|null}} */ (this.db.prepare('SELECT max(id) AS m FROM metrics').get()).m ?? 0;
    const maxSession = /** @type {{m: number|null}} */ (this.db.prepare('SELECT max(id) AS m FROM sessions').get()).m ?? 0;
    return {
      maxMetric,
      maxSession,
      sessions: sessions.map((s) => ({ session: s, stats: agg.get(s.id), recent: recent.all(s.id).reverse() })),
    };
  }

  /**
   * Drops metrics older than `days` days, and sessions older than that with no metrics left (never the
   * active one). Runs the queue first so nothing waiting is lost.
   * @returns {{ metrics: number, sessions: number[] }}
   */
  prune(days, activeId) {
    this.flush();
    const cutoff = new Date(Date.now() - days * 86_400_000).toISOString().replace('T', ' ').slice(0, 19);
    const metrics = this.db.prepare('DELETE FROM metrics WHERE timestamp < ?').run(cutoff).changes;
    const gone = this.db
      .prepare('SELECT id FROM sessions WHERE created_at < ? AND id IS NOT ? AND NOT EXISTS (SELECT 1 FROM metrics WHERE metrics.session_id = sessions.id)')
      .all(cutoff, activeId)
      .map((r) => /** @type {{id: number}} */ (r).id);
    for (const id of gone) this.deleteSession.run(id);
    return { metrics, sessions: gone };
  }

  close() {
    this.flush();
    this.db.close();
  }
}
