// Kimi Proxy traffic, one frame at a time. Pure: no I/O, no timers; the only outside inputs are the
// injected clock and the seed. Hot frames are built with template strings (no JSON parse/stringify
// per frame) so the simulator can push >100k frames/s. Shapes, field order and values follow
// PROTOCOL.md, fixtures.json and the server code at 2c68469.
//
// Realistic by default (PROTOCOL.md §15): every request, log line and usage is booked to the ACTIVE
// session; the active session changes the ways the real server changes it (a request naming a model
// on a session without one auto-creates a session; scheduled "user" actions activate another session
// or create one over HTTP). `concurrent: true` streams several sessions at once instead (stress tests
// only: the real server never does that). Legacy types only with `legacy: true`.

import { Clock, dumps, localIso, preciseNow, pyFloat } from '../tap/lib/protocol/format.mjs';
import { CLI_CONTEXT, IDE_CONTEXT, LogWatcher } from './logs.mjs';
import { STREAM_ERRORS, alertFor, alertText, metricUpdatedText, streamingErrorText } from '../tap/lib/protocol/frames.mjs';

export { STREAM_ERRORS, alertFor };
import { DEFAULT_MAX_CONTEXT, SessionStore, autoSessionName } from '../tap/lib/protocol/store.mjs';

export const MAX_CONTEXT = DEFAULT_MAX_CONTEXT;
export { CLI_CONTEXT, IDE_CONTEXT };
/** The model a client names when the active session has none (it then gets an auto-session). */
export const CLIENT_MODEL = 'kimi-for-coding';
/** Scheduled user actions keep at most this many sessions: the oldest idle ones are bulk-deleted. */
export const SCHEDULE_SESSIONS_MAX = 12;

/**
 * Small fast seedable PRNG (mulberry32).
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ThresholdAlert (§3.4): exact messages name the threshold, not the value.
const PREVIEWS = [
  'Ajoute un test unitaire pour KimiGlobalLogParser',
  'Explique-moi la structure du module log_watcher',
  'Refactorise le gestionnaire de sessions pour gérer les ids entiers',
  'Pourquoi le WebSocket se reconnecte-t-il en boucle ?',
  'Écris la migration SQLite pour la colonne reserved_tokens',
  'Corrige le calcul de cumulative_percentage dans metric_updated',
  'Peux-tu vérifier la gestion des reconnexions WebSocket ?',
  'Génère un composant Lit pour la jauge de contexte 🚀',
  'Résume les changements du dernier commit',
  '',
  "[{'type': 'text', 'text': 'Que montre cette capture ?'}, {'type': 'image_url', 'image_url': {'url': 'data:image/png;base64,iVBOR",
].map((p) => p.slice(0, 100)); // str(content)[:100]

const STREAM_ERROR_TYPES = [...STREAM_ERRORS.keys()];

/** Pick from [{w}] with a uniform r in [0,1). */
function weighted(list, total, r) {
  let x = r * total;
  for (const item of list) {
    x -= item.w;
    if (x < 0) return item;
  }
  return list[list.length - 1];
}

const MEMORY_SEGMENT = JSON.stringify('<mcp-memory>Le dashboard utilise Lit et partysocket; les événements sont re-émis en CustomEvent kimi:*</mcp-memory>');

/** What seeded sessions look like: 1 is the server's default session, 2 one created with a model. */
function seededIdentity(id, hms, uuid) {
  if (id === 1) return { name: 'Session par défaut', provider: 'managed:kimi-code', model: null, externalSessionId: null };
  if (id === 2) return { name: 'Migration Lit', provider: 'nvidia', model: 'nvidia/kimi-k2.5', externalSessionId: null };
  return { name: autoSessionName('managed:kimi-code', hms), provider: 'managed:kimi-code', model: CLIENT_MODEL, externalSessionId: uuid };
}

/**
 * @typedef {import('../tap/lib/protocol/store.mjs').Session} Session
 * @typedef {{ tokens?: number, completion?: number, live?: boolean, model?: string|null, preview?: string,
 *   streamError?: boolean|string }} RequestSpec
 * @typedef {{ frames: string[], sessionId: number|null, metricId: number|null, autoCreated: number|null }} Booked
 */

/**
 * Traffic generator over a SessionStore. `next()` returns the text of one frame.
 */
export class StreamGenerator {
  /**
   * @param {{ sessions?: number[], active?: number|null, legacy?: boolean, concurrent?: boolean, seed?: number,
   *   now?: () => number, tz?: string, maxContext?: number, ideContext?: number, cliContext?: number,
   *   autoSession?: boolean, switchEvery?: number, history?: number }} [opts]
   */
  constructor({
    sessions = [1, 2],
    active = null,
    legacy = false,
    concurrent = false,
    seed = 1,
    now = preciseNow,
    tz,
    maxContext = MAX_CONTEXT,
    ideContext = IDE_CONTEXT,
    cliContext = CLI_CONTEXT,
    autoSession = true,
    switchEvery = 0,
    history = 12,
  } = {}) {
    this.rand = mulberry32(seed);
    this.clock = new Clock(now, tz);
    this.store = new SessionStore({ clock: this.clock, maxContext, autoSession });
    this.logs = new LogWatcher({ rand: this.rand, clock: this.clock, ideContext, cliContext });
    this.legacy = legacy;
    this.concurrent = concurrent;
    this.switchEvery = switchEvery;
    this.untilSwitch = this._switchGap();
    this.historyId = 0; // compaction_history row ids
    this.clineCount = 120;
    /** @type {string[]} frames that must follow the previous one (streaming_error, the request after an auto-session) */
    this.queue = [];
    this._seed(sessions, history);
    this.store.activate(active);
    // Frame mix: metric_updated 40, log_metric 30, (legacy metric 15, memory_metrics_update 5),
    // rare ones for the rest (streaming_error, compaction_event and session changes come on top).
    this.kinds = [
      { w: 40, k: 'metric_updated' },
      { w: 30, k: 'log_metric' },
      ...(legacy
        ? [
            { w: 15, k: 'metric' },
            { w: 5, k: 'memory_metrics_update' },
          ]
        : []),
      { w: 1.5, k: 'compression_event' },
      { w: 0.4, k: 'provider_context_limit_error' },
      { w: 0.4, k: 'cline_usage_updated' },
    ];
    this.kindsTotal = this.kinds.reduce((s, k) => s + k.w, 0);
  }

  int(min, max) {
    return min + Math.floor(this.rand() * (max - min + 1));
  }

  get active() {
    return this.store.active;
  }

  _uuid() {
    const h = () => this.int(0, 0xffff).toString(16).padStart(4, '0');
    return `${h()}${h()}-${h()}-4${h().slice(1)}-${'89ab'[this.int(0, 3)]}${h().slice(1)}-${h()}${h()}${h()}`;
  }

  _switchGap() {
    return this.switchEvery > 0 ? Math.max(1, Math.round(this.switchEvery * (0.5 + this.rand()))) : Infinity;
  }

  /**
   * Sessions that existed before the simulator started, each with `history` rows written while it was
   * the active one: one block of time per session, in the order given, so metric ids grow with time
   * across sessions as in the real table. About one row in ten never got usage (no live frame); the
   * newest row of each session is still an estimate, like the fixture's init.
   */
  _seed(ids, history) {
    const now = this.clock.now();
    const block = 4 * 60_000 + history * 40_000;
    ids.forEach((id, i) => {
      const start = now - (ids.length - i) * block - 60_000;
      const hms = localIso(start, 0, this.clock.tz).slice(11, 19);
      const s = this.store.insert({ id, ...seededIdentity(id, hms, this._uuid()), createdAt: start - 30_000 });
      s.ctx = Math.floor(s.maxContext * (0.05 + this.rand() * 0.04));
      s.memTokens = this.int(300, 600);
      for (let n = 0; n < history; n++) {
        const at = start + Math.floor(((n + 1) / (history + 1)) * block);
        s.ctx = Math.min(Math.floor(s.maxContext * 0.78), s.ctx + this.int(1500, 9000));
        const pv = this._preview();
        if (n === history - 1 || this.rand() < 0.1) this.store.addRow(s, { total: s.ctx, estimated: true, preview: pv, at });
        else {
          const c = this.int(150, 2400);
          this.store.addRow(s, { total: s.ctx, prompt: s.ctx - c, completion: c, estimated: false, preview: pv, at });
        }
      }
    });
  }

  _preview() {
    return PREVIEWS[this.int(0, PREVIEWS.length - 1)];
  }

  /** First frame out now, the rest right after it. */
  _emit(frames) {
    if (frames.length > 1) this.queue.push(...frames.slice(1));
    return frames[0];
  }

  /** @returns {string} the next frame's JSON text */
  next() {
    if (this.queue.length) return /** @type {string} */ (this.queue.shift());
    if (this.concurrent) return this._nextConcurrent();
    if (--this.untilSwitch <= 0) {
      this.untilSwitch = this._switchGap();
      return this._emit(this.userAction());
    }
    const s = this.store.activeSession;
    switch (weighted(this.kinds, this.kindsTotal, this.rand()).k) {
      case 'metric_updated':
        return this._emit(this.traffic());
      case 'log_metric':
        return s ? this._emit(this.logs.next(s)) : this.clineUsage();
      case 'metric':
        return s?.last ? this.legacyMetric(s) : this.clineUsage();
      case 'memory_metrics_update':
        return s?.last ? this.memoryUpdate(s) : this.clineUsage();
      case 'compression_event':
        return s ? this.compression(s) : this.clineUsage();
      case 'provider_context_limit_error':
        return this.providerLimit(s);
      default:
        return this.clineUsage();
    }
  }

  /** Stress mode: each frame for a random configured session, whichever is active. */
  _nextConcurrent() {
    const ids = this.store.ids();
    const kind = weighted(this.kinds, this.kindsTotal, this.rand()).k;
    if (!ids.length) return kind === 'provider_context_limit_error' ? this.providerLimit(null) : this.clineUsage();
    const s = /** @type {Session} */ (this.store.get(ids[this.int(0, ids.length - 1)]));
    const act = this.store.activeSession;
    switch (kind) {
      case 'metric_updated':
        return this._emit(this._request(s, {}));
      case 'log_metric':
        return act ? this._emit(this.logs.next(act)) : this._emit(this._request(s, {}));
      case 'metric':
        return s.last ? this.legacyMetric(s) : this.clineUsage();
      case 'memory_metrics_update':
        return s.last ? this.memoryUpdate(s) : this.clineUsage();
      case 'compression_event':
        return this.compression(s);
      case 'provider_context_limit_error':
        return this.providerLimit(s);
      default:
        return this.clineUsage();
    }
  }

  // ---- session changes ----

  /** `auto_session_created` (§4.4): a request named a model the active session does not have. */
  autoCreate({ model = CLIENT_MODEL, provider = 'managed:kimi-code', externalSessionId = this._uuid(), name, maxContext } = {}) {
    const s = this.store.create({ name: name ?? autoSessionName(provider, this.clock.hms()), provider, model, externalSessionId, maxContext });
    s.ctx = Math.floor(s.maxContext * (0.04 + this.rand() * 0.04));
    s.memTokens = this.int(300, 600);
    return { session: s, frame: dumps({ type: 'auto_session_created', session: s.row, provider, model, external_session_id: externalSessionId }) };
  }

  /** `new_session` (§4.2): POST /api/sessions; the new session becomes active. */
  newSession({ name = `Session ${this.clock.hms()}`, provider = 'managed:kimi-code', model = null, externalSessionId = null, maxContext } = {}) {
    const s = this.store.create({ name, provider, model, externalSessionId, maxContext });
    s.ctx = Math.floor(s.maxContext * (0.04 + this.rand() * 0.04));
    s.memTokens = this.int(300, 600);
    return { session: s, frame: dumps({ type: 'new_session', session: this.store.rowWithContext(s.id) }) };
  }

  /**
   * `session_activated` (§4.3) when the target exists and differs; an unknown id leaves no session
   * active and sends nothing.
   * @param {number|null} id
   * @returns {{ changed: boolean, frame: string|null }}
   */
  activate(id) {
    if (id === this.store.active) return { changed: false, frame: null };
    const exists = this.store.activate(id);
    if (!exists || id === null) return { changed: true, frame: null };
    return { changed: true, frame: dumps({ type: 'session_activated', session_id: id, session: this.store.row(id) }) };
  }

  /**
   * A user at the dashboard: activates another session or creates one, and keeps the list short by
   * bulk-deleting the oldest idle sessions (empty ones first) beyond SCHEDULE_SESSIONS_MAX.
   * @returns {string[]}
   */
  userAction() {
    const frames = [];
    const others = this.store.ids().filter((id) => id !== this.store.active);
    if (others.length && this.rand() < 0.6) frames.push(/** @type {string} */ (this.activate(others[this.int(0, others.length - 1)]).frame));
    else frames.push(this.newSession().frame);
    const excess = this.store.size - SCHEDULE_SESSIONS_MAX;
    if (excess > 0) {
      const idle = this.store
        .ids()
        .filter((id) => id !== this.store.active)
        .sort((a, b) => /** @type {Session} */ (this.store.get(a).count > 0 ? 1 : 0) - /** @type {Session} */ (this.store.get(b).count > 0 ? 1 : 0) || a - b)
        .slice(0, excess);
      this.store.deleteMany(idle);
      frames.push(dumps({ type: 'sessions_bulk_deleted', session_ids: idle, deleted_count: idle.length }));
    }
    return frames;
  }

  // ---- proxied requests ----

  /**
   * One request of the generated traffic: names the active session's model, or the client's when the
   * session has none (which auto-creates a session unless auto-session is off for it).
   * @returns {string[]}
   */
  traffic() {
    const s = this.store.activeSession;
    const booked = this.book({ model: s?.row.model ?? CLIENT_MODEL }, true);
    return booked.frames.length ? booked.frames : [this.clineUsage()];
  }

  /**
   * Books one proxied request the way proxy.py does: auto-session first (a request naming a model
   * that differs from the active session's, or any model with no session active), then a metric row
   * for that session, then `metric_updated` if it was streamed with usage.
   * @param {RequestSpec} spec
   * @param {boolean} [generated] generated traffic: may compact, may add a non-streamed row
   * @returns {Booked}
   */
  book(spec, generated = false) {
    const frames = [];
    let s = this.store.activeSession;
    let autoCreated = null;
    const model = spec.model ?? null;
    if (model && (!s || (model !== s.row.model && this.store.autoSessionEnabled(s.id)))) {
      const created = this.autoCreate({ model });
      frames.push(created.frame);
      s = created.session;
      autoCreated = s.id;
    }
    if (!s) return { frames, sessionId: null, metricId: null, autoCreated };
    const out = generated ? this._request(s, spec) : this._requestFrames(s, spec);
    frames.push(...out);
    return { frames, sessionId: s.id, metricId: /** @type {any} */ (s.last)?.id ?? null, autoCreated };
  }

  /**
   * Generated request on a session: context grows 1–8k tokens; above the 85 % auto-compaction
   * threshold a compaction may fire instead (always at ≥ 97 %), so alerts reach every level.
   * @param {Session} s @param {RequestSpec} spec
   * @returns {string[]}
   */
  _request(s, spec) {
    const pct0 = (s.ctx / s.maxContext) * 100;
    if (pct0 >= 85 && (pct0 >= 97 || this.rand() < 0.25)) return [this.compaction(s)];
    // ~10 % of requests are not streamed: a row exists but no frame (ids have gaps, like the DB).
    if (this.rand() < 0.1) this.store.addRow(s, { total: s.ctx + this.int(200, 900), estimated: true, preview: this._preview() });
    return this._requestFrames(s, { ...spec, streamError: spec.streamError ?? this.rand() < 0.1 });
  }

  /**
   * A request's row and, when live, its `metric_updated` (+ `streaming_error`).
   * @param {Session} s @param {RequestSpec} spec
   * @returns {string[]}
   */
  _requestFrames(s, { tokens, completion, live = true, preview, streamError = false }) {
    const total = tokens ?? Math.min(s.maxContext - 1500, s.ctx + this.int(1000, 8000));
    s.ctx = total;
    s.row.consecutive_auto_compactions = 0;
    const pv = preview ?? this._preview();
    if (!live) {
      this.store.addRow(s, { total, estimated: true, preview: pv });
      return [];
    }
    const c = completion ?? Math.min(total, this.int(150, 2400));
    const row = this.store.addRow(s, { total, prompt: total - c, completion: c, estimated: false, preview: pv });
    const frames = [metricUpdatedText(row)];
    if (streamError) {
      const t =
        typeof streamError === 'string' && STREAM_ERRORS.has(streamError) ? streamError : STREAM_ERROR_TYPES[this.int(0, STREAM_ERROR_TYPES.length - 1)];
      frames.push(streamingErrorText(s.id, row.id, t, this.clock.iso()));
    }
    return frames;
  }

  /** compaction_event shape A; the request that triggered it keeps its estimated row (then fails with a 500). */
  compaction(s) {
    this.store.addRow(s, { total: s.ctx + this.int(300, 1200), estimated: true, preview: this._preview() });
    const before = s.ctx;
    const after = Math.floor(s.maxContext * (0.3 + this.rand() * 0.1));
    const summary = this.int(1200, 4000);
    const original = before - (after - summary); // the compacted messages, not the session total
    const saved = original - summary;
    const msgsBefore = this.int(14, 60);
    const msgsAfter = this.int(5, 8);
    s.ctx = after;
    s.row.compaction_count += 1;
    s.row.consecutive_auto_compactions += 1;
    s.row.last_compaction_at = this.clock.sqlite();
    return `{"type":"compaction_event","session_id":${s.id},"timestamp":"${this.clock.iso()}","history_id":${++this.historyId},"compaction":{"compacted":true,"original_tokens":${original},"compacted_tokens":${summary},"tokens_saved":${saved},"compaction_ratio":${pyFloat((saved / original) * 100)},"messages_before":${msgsBefore},"messages_after":${msgsAfter},"summarized_count":${msgsBefore - msgsAfter}}}`;
  }

  /** Legacy `metric` (§6) describing the session's newest request, with real numbers. */
  legacyMetric(s) {
    const r = /** @type {import('../tap/lib/protocol/store.mjs').MetricRow} */ (s.last);
    const total = r.estimated_tokens;
    const delta = this.int(50, 1500);
    const system = 3120;
    const mem = this._memTokens(s);
    const pv = JSON.stringify(r.content_preview);
    return `{"type":"metric","metric":{"id":${r.id},"timestamp":"${this.clock.iso()}","estimated_tokens":${total},"cumulative_tokens":${total},"cumulative_billing":${s.cumIn + s.cumOut},"delta_tokens":${delta},"system_tokens":${system},"history_tokens":${Math.max(0, total - system - delta)},"percentage":${pyFloat(r.percentage)},"content_preview":${pv},"is_estimated":true,"source":"proxy"},"session_id":${s.id},"session_updated":true,"alert":${alertText(r.percentage)},"sanitizer":null,"mcp_memory":{"memory_tokens":${mem},"chat_tokens":${total - mem},"total_tokens":${total},"memory_ratio":${pyFloat(Math.round((mem / total) * 10000) / 100)},"segments":[{"type":"memory_tag","content":${MEMORY_SEGMENT},"tokens":${mem},"position":[1024,2871]}],"has_memory":true,"segment_count":1}}`;
  }

  /** Legacy `memory_metrics_update` (§6), same numbers as legacyMetric. */
  memoryUpdate(s) {
    const total = /** @type {import('../tap/lib/protocol/store.mjs').MetricRow} */ (s.last).estimated_tokens;
    const mem = this._memTokens(s);
    return `{"type":"memory_metrics_update","session_id":${s.id},"timestamp":"${this.clock.iso()}","memory":{"memory_tokens":${mem},"chat_tokens":${total - mem},"total_tokens":${total},"memory_ratio":${pyFloat(Math.round((mem / total) * 10000) / 100)},"segment_count":1}}`;
  }

  _memTokens(s) {
    if (this.rand() < 0.05) s.memTokens += this.int(10, 80);
    return Math.min(s.memTokens, /** @type {import('../tap/lib/protocol/store.mjs').MetricRow} */ (s.last).estimated_tokens);
  }

  /** compression_event (§4.13), sometimes with compressed:false and zeroed counters. */
  compression(s) {
    let body;
    if (this.rand() < 0.2) {
      body = `"compressed":false,"original_tokens":${this.int(500, 1500)},"compressed_tokens":0,"tokens_saved":0,"compression_ratio":0.0,"messages_before":0,"messages_after":0`;
    } else {
      const original = this.int(2000, 6000);
      const compressed = Math.floor(original * (0.25 + this.rand() * 0.2));
      const saved = original - compressed;
      body = `"compressed":true,"original_tokens":${original},"compressed_tokens":${compressed},"tokens_saved":${saved},"compression_ratio":${pyFloat(Math.round((saved / original) * 10000) / 100)},"messages_before":${this.int(12, 40)},"messages_after":${this.int(4, 10)}`;
    }
    return `{"type":"compression_event","session_id":${s.id},"timestamp":"${this.clock.iso()}","compression":{${body}}}`;
  }

  /** provider_context_limit_error (§4.10); session_id null and model "unknown" when no session is active. */
  providerLimit(s) {
    const estimated = Math.floor((s?.maxContext ?? this.store.maxContext) * (0.96 + this.rand() * 0.035));
    const msg = '"message":"Le provider a rejeté la requête pour dépassement de limite de contexte"';
    if (s === null) {
      // only when no session is active
      return `{"type":"provider_context_limit_error","session_id":null,"error":"{\\"error\\":{\\"message\\":\\"Message exceeds context limit\\"}}","provider":"managed:kimi-code","model":"unknown","estimated_tokens":${estimated},"max_context":${this.store.maxContext},${msg}}`;
    }
    const completion = this.int(4000, 8000);
    const body = `{"error":{"message":"This model's maximum context length is ${s.maxContext} tokens. However, you requested ${estimated + completion} tokens (${estimated} in the messages, ${completion} in the completion).","type":"invalid_request_error"}}`;
    const model = s.row.model ?? 'kimi-for-coding';
    return `{"type":"provider_context_limit_error","session_id":${s.id},"error":${JSON.stringify(body)},"provider":${JSON.stringify(s.row.provider)},"model":${JSON.stringify(model)},"estimated_tokens":${estimated},"max_context":${s.maxContext},${msg}}`;
  }

  /** cline_usage_updated (§4.15): global, epoch-ms latest_ts. */
  clineUsage() {
    const imported = this.int(0, 4);
    this.clineCount += imported;
    return `{"type":"cline_usage_updated","latest_ts":${Math.floor(this.clock.now())},"latest_count":${this.clineCount},"imported_count":${imported},"timestamp":"${this.clock.iso()}"}`;
  }
}

// ---- blast frames (benchmarks): fixed-size metric_updated with seq and sent_at ----

const PAD_TEXT =
  "Analyse le module de reconnexion WebSocket, vérifie la file d'attente des commandes hors ligne, " +
  'puis propose un correctif pour le filtre de session qui compare des ids entiers et des attributs texte. ';
/** Extra object that brings a blast frame from ≈260 B to ≈1 KB while keeping a valid shape. */
const MEDIUM_EXTRA = `,"request":{"model":"kimi-for-coding","content_preview":${JSON.stringify(PAD_TEXT.repeat(4).slice(0, 684))}}`;

/**
 * A metric_updated frame for `blast()`. Percentages stay below 80 % (alert null) so the size is stable.
 * @param {number} seq  @param {number} sessionId  @param {number} metricId
 * @param {'small'|'medium'} size  @param {number} sentAt epoch ms (float)
 */
export function blastFrame(seq, sessionId, metricId, size, sentAt) {
  // Multiples of 1024 tokens keep the percentage short (≤ 8 decimals), hence a stable size.
  const total = 1024 * (13 + ((seq * 37) % 190));
  const completion = 200 + (seq % 2000);
  const p = pyFloat((total / MAX_CONTEXT) * 100);
  return `{"type":"metric_updated","metric_id":${metricId},"session_id":${sessionId},"real_tokens":{"total":${total},"prompt":${total - completion},"completion":${completion},"percentage":${p}},"cumulative_tokens":${total},"cumulative_percentage":${p},"alert":null,"source":"proxy"${size === 'medium' ? MEDIUM_EXTRA : ''},"seq":${seq},"sent_at":${sentAt}}`;
}
