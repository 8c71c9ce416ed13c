import { GLOBAL } from './routing.js';

/**
 * The room's memory, in the Durable Object's SQLite storage: every stored frame with its number, the
 * last N frames of each session (and of the global frames), each session's current state (its last
 * `init` or hydration), and the uplink's position. Everything a restart or hibernation must not
 * lose lives here; the in-memory fields are caches rebuilt by `load()`.
 *
 * Writes are synchronous SQL inside one event, which the runtime commits atomically before any
 * message sent in that event leaves: a frame a viewer received is always in storage.
 */

export interface FrameLogLimits {
  /** Frames kept per session (and for the global frames). */
  perSession: number;
  /** Frames kept in the whole room, whatever their session. */
  total: number;
  /** Session states (last init or hydration) kept. */
  states: number;
}

export const DEFAULT_LIMITS: FrameLogLimits = { perSession: 1000, total: 50_000, states: 256 };

/** What a viewer watches: every session, or a list. Global frames always. */
export type Watch = { all: true } | { all: false; sessions: readonly string[] };

export type StateKind = 'init' | 'hydration';

type Row = {
  seq: number;
  text: string;
};

export class FrameLog {
  /** Number of the last stored frame (0 before the first). */
  seq = 0;
  uplinkEpoch = '';
  /** Frames of `uplinkEpoch` the room has taken in (stored or not). */
  uplinkCount = 0;
  private readonly counts = new Map<string, number>();
  private readonly trimmed = new Map<string, number>();
  /** Highest number deleted by the room-wide cap: a replay from before it cannot be complete. */
  private totalTrimmed = 0;
  private total = 0;
  private initSeq = 0;
  private initText = '';

  constructor(
    private readonly sql: SqlStorage,
    private readonly limits: FrameLogLimits = DEFAULT_LIMITS,
  ) {}

  /** Creates the tables on first use and reads the caches back. */
  load(): void {
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS frames (bucket TEXT NOT NULL, seq INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (bucket, seq)) WITHOUT ROWID`,
    );
    this.sql.exec(`CREATE INDEX IF NOT EXISTS frames_by_seq ON frames (seq)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS states (session TEXT PRIMARY KEY, seq INTEGER NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS trims (bucket TEXT PRIMARY KEY, through INTEGER NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, epoch TEXT NOT NULL,
      count INTEGER NOT NULL, total_trimmed INTEGER NOT NULL, init_seq INTEGER NOT NULL, init_text TEXT NOT NULL)`);
    this.sql.exec(`INSERT OR IGNORE INTO meta VALUES (1, 0, '', 0, 0, 0, '')`);
    const meta = this.sql
      .exec<{ seq: number; epoch: string; count: number; total_trimmed: number; init_seq: number; init_text: string }>(
        'SELECT seq, epoch, count, total_trimmed, init_seq, init_text FROM meta WHERE id = 1',
      )
      .one();
    this.seq = meta.seq;
    this.uplinkEpoch = meta.epoch;
    this.uplinkCount = meta.count;
    this.totalTrimmed = meta.total_trimmed;
    this.initSeq = meta.init_seq;
    this.initText = meta.init_text;
    this.recount();
    this.trimmed.clear();
    for (const row of this.sql.exec<{ bucket: string; through: number }>('SELECT bucket, through FROM trims')) {
      this.trimmed.set(row.bucket, row.through);
    }
  }

  /** Starts counting a new uplink epoch (a new uplink process, or a room that lost track of it). */
  beginEpoch(epoch: string, count = 0): void {
    this.uplinkEpoch = epoch;
    this.uplinkCount = count;
    this.sql.exec('UPDATE meta SET epoch = ?, count = ? WHERE id = 1', epoch, count);
  }

  /** Counts an uplink frame that was not stored (unreadable), so resends stay aligned. */
  skipFrame(): void {
    this.uplinkCount++;
  }

  /**
   * Writes the numbering and the uplink position; called once after each batch of `append` and
   * `skipFrame` (the same event, so the same transaction as the frames themselves).
   */
  commit(): void {
    this.sql.exec('UPDATE meta SET seq = ?, count = ? WHERE id = 1', this.seq, this.uplinkCount);
  }

  /**
   * Stores one frame under its sessions (or as global) and returns its number (`commit()` after). `text` must already
   * carry that number (the caller stamps it with `nextSeq`), so replays send exactly what went live.
   * `state` makes it the current state of its session (and, for `init`, of the room).
   */
  append(text: string, sessions: readonly string[], state: StateKind | null): number {
    const seq = ++this.seq;
    this.uplinkCount++;
    const buckets = sessions.length === 0 ? [GLOBAL] : sessions;
    for (const bucket of buckets) {
      this.sql.exec('INSERT INTO frames (bucket, seq, text) VALUES (?, ?, ?)', bucket, seq, text);
      const count = (this.counts.get(bucket) ?? 0) + 1;
      this.counts.set(bucket, count);
      this.total++;
      // Trimmed in steps of an eighth, not one row per frame.
      if (count > this.limits.perSession + Math.max(1, this.limits.perSession >> 3)) this.trimBucket(bucket, count);
    }
    if (state !== null) {
      for (const session of sessions) this.setState(session, seq, state, text);
      if (state === 'init') {
        this.initSeq = seq;
        this.initText = text;
      }
    }
    if (state === 'init') this.sql.exec('UPDATE meta SET init_seq = ?, init_text = ? WHERE id = 1', seq, text);
    if (this.total > this.limits.total + (this.limits.total >> 3)) this.trimTotal();
    return seq;
  }

  /** Number the next appended frame will get. */
  get nextSeq(): number {
    return this.seq + 1;
  }

  /** Frames stored for a bucket (tests and stats). */
  countOf(bucket: string): number {
    return this.counts.get(bucket) ?? 0;
  }

  get storedFrames(): number {
    return this.total;
  }

  /** Forgets the states of deleted sessions (their frames stay until trimmed: replays need them). */
  dropStates(sessions: readonly string[]): void {
    for (const session of sessions) this.sql.exec('DELETE FROM states WHERE session = ?', session);
  }

  /** Whether the room lacks an up-to-date state of a session (none, or one whose followers were trimmed). */
  needsState(session: string): boolean {
    const row = this.sql.exec<{ seq: number }>('SELECT seq FROM states WHERE session = ?', session).toArray()[0];
    if (!row) return true;
    return (this.trimmed.get(session) ?? 0) > row.seq || this.totalTrimmed > row.seq;
  }

  /**
   * What a viewer that saw everything up to `since` missed, in order, each frame once; or null when
   * the room no longer holds all of it (then the viewer gets `snapshot()` instead).
   */
  replay(since: number, watch: Watch): string[] | null {
    if (!Number.isInteger(since) || since < 0 || since > this.seq) return null;
    if (this.totalTrimmed > since) return null;
    if (watch.all) {
      for (const through of this.trimmed.values()) if (through > since) return null;
      return distinct(this.sql.exec<Row>('SELECT seq, text FROM frames WHERE seq > ? ORDER BY seq', since));
    }
    const buckets = [GLOBAL, ...watch.sessions];
    for (const bucket of buckets) if ((this.trimmed.get(bucket) ?? 0) > since) return null;
    return distinct(
      this.sql.exec<Row>(`SELECT seq, text FROM frames WHERE seq > ? AND bucket IN (${buckets.map(() => '?').join(',')}) ORDER BY seq`, since, ...buckets),
    );
  }

  /**
   * What a new viewer gets at once: the current state of what it watches (the last `init` for a
   * viewer of every session; each watched session's last `init` or hydration otherwise), then the
   * frames stored after it, in order.
   */
  snapshot(watch: Watch): string[] {
    if (watch.all) {
      if (this.initSeq === 0) return [];
      const rows = this.sql.exec<Row>('SELECT seq, text FROM frames WHERE seq > ? ORDER BY seq', this.initSeq).toArray();
      return [this.initText, ...distinct(rows)];
    }
    const rows: Row[] = [];
    let from = Infinity;
    for (const session of watch.sessions) {
      const state = this.sql.exec<Row>('SELECT seq, text FROM states WHERE session = ?', session).toArray()[0];
      if (!state) continue;
      rows.push({ seq: state.seq, text: state.text });
      for (const row of this.sql.exec<Row>('SELECT seq, text FROM frames WHERE bucket = ? AND seq > ?', session, state.seq)) rows.push(row);
      from = Math.min(from, state.seq);
    }
    if (rows.length === 0) return [];
    for (const row of this.sql.exec<Row>('SELECT seq, text FROM frames WHERE bucket = ? AND seq > ?', GLOBAL, from)) rows.push(row);
    rows.sort((a, b) => a.seq - b.seq);
    return distinct(rows);
  }

  private setState(session: string, seq: number, kind: StateKind, text: string): void {
    this.sql.exec('INSERT OR REPLACE INTO states (session, seq, kind, text) VALUES (?, ?, ?, ?)', session, seq, kind, text);
    const { n } = this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM states').one();
    if (n > this.limits.states) {
      this.sql.exec('DELETE FROM states WHERE session IN (SELECT session FROM states ORDER BY seq LIMIT ?)', n - this.limits.states);
    }
  }

  private trimBucket(bucket: string, count: number): void {
    const excess = count - this.limits.perSession;
    const edge = this.sql.exec<{ seq: number }>('SELECT seq FROM frames WHERE bucket = ? ORDER BY seq LIMIT 1 OFFSET ?', bucket, excess - 1).one();
    this.sql.exec('DELETE FROM frames WHERE bucket = ? AND seq <= ?', bucket, edge.seq);
    this.sql.exec('INSERT OR REPLACE INTO trims (bucket, through) VALUES (?, ?)', bucket, edge.seq);
    this.trimmed.set(bucket, edge.seq);
    this.counts.set(bucket, this.limits.perSession);
    this.total -= excess;
  }

  private trimTotal(): void {
    const excess = this.total - this.limits.total;
    const edge = this.sql.exec<{ seq: number }>('SELECT seq FROM frames ORDER BY seq LIMIT 1 OFFSET ?', excess - 1).one();
    this.sql.exec('DELETE FROM frames WHERE seq <= ?', edge.seq);
    this.totalTrimmed = edge.seq;
    this.sql.exec('UPDATE meta SET total_trimmed = ? WHERE id = 1', edge.seq);
    // Per-bucket marks at or below the room-wide one say nothing more: drop them (keeps both bounded).
    this.sql.exec('DELETE FROM trims WHERE through <= ?', edge.seq);
    for (const [bucket, through] of this.trimmed) if (through <= edge.seq) this.trimmed.delete(bucket);
    this.recount();
  }

  private recount(): void {
    this.counts.clear();
    this.total = 0;
    for (const row of this.sql.exec<{ bucket: string; n: number }>('SELECT bucket, COUNT(*) AS n FROM frames GROUP BY bucket')) {
      this.counts.set(row.bucket, row.n);
      this.total += row.n;
    }
  }
}

/** Texts of rows ordered by seq, a frame stored under several sessions given once. */
function distinct(rows: Iterable<Row>): string[] {
  const out: string[] = [];
  let last = -1;
  for (const row of rows) {
    if (row.seq === last) continue;
    last = row.seq;
    out.push(row.text);
  }
  return out;
}
