// Realistic Kimi Proxy traffic, one frame at a time. Pure: no I/O, no timers; the only
// outside inputs are the injected clock and the seed. Hot frames are built with template
// strings (no JSON parse/stringify per frame) so the simulator can push >100k frames/s.
// Shapes, field order and values follow PROTOCOL.md and fixtures.json.

import { Clock, dumps, preciseNow, pyFloat, sqliteUtc } from './format.mjs';

export const MAX_CONTEXT = 262144;

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
/** @type {Array<[number, {level: string, color: string, message: string}]>} */
const ALERTS = [
  [95, { level: 'critical', color: '#ef4444', message: '⚠️ CONTEXTE CRITIQUE (95%)' }],
  [90, { level: 'warning', color: '#f97316', message: '⚠️ CONTEXTE ÉLEVÉ (90%)' }],
  [80, { level: 'caution', color: '#eab308', message: '⚡ Attention (80%)' }],
];
/** @type {Array<[number, string]>} */
const ALERT_TEXT = ALERTS.map(([min, a]) => [min, JSON.stringify(a)]);

/** @param {number} pct 0–100  @returns {{level:string,color:string,message:string}|null} */
export function alertFor(pct) {
  for (const [min, a] of ALERTS) if (pct >= min) return { ...a };
  return null;
}

/** Same as alertFor, pre-serialized. */
function alertText(pct) {
  for (const [min, t] of ALERT_TEXT) if (pct >= min) return t;
  return 'null';
}

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
].map((p) => [p, JSON.stringify(p)]);

const STREAM_ERRORS = [
  ['read_error', 'Connexion interrompue par le provider'],
  ['connect_error', 'Impossible de se connecter au provider'],
  ['timeout_error', 'Timeout lors de la lecture du stream'],
  ['unknown', 'Erreur streaming inconnue'],
];

// log_metric sources (§10): [weight, source, family, label, kind]
/** @type {Array<{w: number, k: string, head: string}>} */
const LOG_SOURCES = /** @type {Array<[number, string, string, string, string]>} */ ([
  [35, 'continue_logs', 'continue_logs', 'Logs Continue', 'request'],
  [25, 'kimi_session_usage', 'kimi_session', 'Session Kimi', 'usage'],
  [20, 'continue_compile_chat', 'continue_compile', 'CompileChat Continue', 'compile'],
  [10, 'kimi_global', 'kimi_global', 'Log global Kimi', 'zero'],
  [3, 'kimi_global_context_limit_error', 'error', 'Limite de contexte Kimi', 'zero'],
  [2, 'kimi_global_transport_error', 'error', 'Erreur transport Kimi', 'zero'],
  [1.5, 'kimi_global_request_error', 'error', 'Erreur requête Kimi', 'zero'],
  [1, 'kimi_global_auth_error', 'error', 'Erreur auth Kimi', 'zero'],
  [1, 'kimi_global_runtime_error', 'error', 'Erreur runtime Kimi', 'zero'],
  [1.5, 'continue_api_error', 'error', 'Erreur Continue', 'limit'],
]).map(([w, s, f, l, k]) => ({ w, k, head: `{"type":"log_metric","source":"${s}","source_family":"${f}","source_label":${JSON.stringify(l)},"metrics":{` }));

/** Pick from [{w}] with a uniform r in [0,1). */
function weighted(list, total, r) {
  let x = r * total;
  for (const item of list) { x -= item.w; if (x < 0) return item; }
  return list[list.length - 1];
}

const MEMORY_SEGMENT = JSON.stringify('<mcp-memory>Le dashboard utilise Lit et partysocket; les événements sont re-émis en CustomEvent kimi:*</mcp-memory>');

/**
 * Per-session traffic generator. `next()` returns the text of one frame.
 */
export class StreamGenerator {
  /**
   * @param {{ sessions?: number[], active?: number|null, legacy?: boolean, seed?: number,
   *           now?: () => number }} [opts]
   */
  constructor({ sessions = [1, 2], active = null, legacy = true, seed = 1, now = preciseNow } = {}) {
    this.rand = mulberry32(seed);
    this.clock = new Clock(now);
    this.sessionIds = [...sessions];
    this.legacy = legacy;
    this.metricId = 40;      // SQLite row ids are global across sessions
    this.historyId = 0;      // compaction_history row ids
    this.clineCount = 120;
    /** @type {Map<number, any>} */
    this.sessions = new Map();
    /** @type {string[]} frames that must follow the previous one (streaming_error) */
    this.queue = [];
    this.active = null;
    for (const id of this.sessionIds) this._seedHistory(this.state(id));
    this.setActive(active);
    // Frame mix: metric_updated 40, log_metric 30, legacy metric 15, memory_metrics_update 5,
    // rare ones for the rest (streaming_error and compaction_event come on top, from state).
    this.kinds = [
      { w: 40, k: 'metric_updated' }, { w: 30, k: 'log_metric' },
      ...(legacy ? [{ w: 15, k: 'metric' }, { w: 5, k: 'memory_metrics_update' }] : []),
      { w: 1.5, k: 'compression_event' }, { w: 0.4, k: 'provider_context_limit_error' },
      { w: 0.4, k: 'cline_usage_updated' },
    ];
    this.kindsTotal = this.kinds.reduce((s, k) => s + k.w, 0);
    this.logTotal = LOG_SOURCES.reduce((s, k) => s + k.w, 0);
  }

  int(min, max) { return min + Math.floor(this.rand() * (max - min + 1)); }

  /** Session state, created on first use (setActive can name any id, like the real DB). */
  state(id) {
    let s = this.sessions.get(id);
    if (s) return s;
    const now = this.clock.now();
    const minutesAgo = id === 1 ? 45 : 5 + ((id * 7) % 30);
    const created = now - minutesAgo * 60000;
    const t = new Date(created);
    const hhmmss = [t.getHours(), t.getMinutes(), t.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    const base = id === 1 ? { name: 'Session par défaut', provider: 'managed:kimi-code', model: null, ext: null }
      : id === 2 ? { name: 'Migration Lit', provider: 'nvidia', model: 'nvidia/kimi-k2.5', ext: null }
        : { name: `Session Kimi Code ${hhmmss}`, provider: 'managed:kimi-code', model: 'kimi-for-coding', ext: this._uuid() };
    s = {
      id,
      row: {
        id, name: base.name, provider: base.provider, model: base.model, external_session_id: base.ext,
        created_at: sqliteUtc(created), is_active: 0, reserved_tokens: 0,
        compaction_count: 0, last_compaction_at: null, auto_compaction_enabled: 1,
        auto_compaction_threshold: 0.85, consecutive_auto_compactions: 0,
      },
      ctx: Math.floor(MAX_CONTEXT * (0.05 + this.rand() * 0.04)),
      last: null,          // newest MetricRow
      recent: [],          // MetricRows, oldest first, at most 50
      count: 0, sum: 0, max: 0, cumIn: 0, cumOut: 0,
      memTokens: this.int(300, 600),
    };
    this.sessions.set(id, s);
    return s;
  }

  _uuid() {
    const h = () => this.int(0, 0xffff).toString(16).padStart(4, '0');
    return `${h()}${h()}-${h()}-4${h().slice(1)}-${'89ab'[this.int(0, 3)]}${h().slice(1)}-${h()}${h()}${h()}`;
  }

  /** Two rows written before the simulator started, like the fixture's init (one still estimated). */
  _seedHistory(s) {
    const first = Math.floor(s.ctx * 0.65);
    const c = this.int(300, 700);
    const now = this.clock.now();
    this._addRow(s, first, first - c, c, 0, now - this.int(240, 600) * 1000);
    this._addRow(s, s.ctx, 0, 0, 1, now - this.int(10, 200) * 1000);
  }

  _addRow(s, total, prompt, completion, estimated, atMs) {
    const pv = PREVIEWS[this.int(0, PREVIEWS.length - 1)];
    const row = {
      id: ++this.metricId, session_id: s.id, timestamp: atMs === undefined ? this.clock.sqlite() : sqliteUtc(atMs), estimated_tokens: total,
      percentage: (total / MAX_CONTEXT) * 100, content_preview: pv[0], prompt_tokens: prompt,
      completion_tokens: completion, is_estimated: estimated, source: 'proxy',
      memory_tokens: 0, chat_tokens: 0, memory_ratio: 0,
    };
    s.last = row;
    s.recent.push(row);
    if (s.recent.length > 50) s.recent.shift();
    s.count += 1; s.sum += total; if (total > s.max) s.max = total;
    s.cumIn += prompt > 0 ? prompt : total; s.cumOut += completion;
    return row;
  }

  /** @param {number|null} id */
  setActive(id) {
    if (this.active !== null) this.state(this.active).row.is_active = 0;
    this.active = id;
    if (id !== null) this.state(id).row.is_active = 1;
  }

  /** Raw SessionRow (no max_context), as in init and session_activated. */
  sessionRow(id) { return { ...this.state(id).row }; }

  /** The `init` frame for a session, consistent with everything generated so far. */
  initFrame(id) {
    const s = this.state(id);
    return dumps({
      type: 'init',
      session: s.row,
      stats: {
        total_requests: s.count,
        max_tokens: s.count ? s.max : null,
        avg_tokens: s.count ? s.sum / s.count : null,
        current_input_tokens: s.cumIn, current_output_tokens: s.cumOut, current_total_tokens: s.cumIn + s.cumOut,
        cumulative_input_tokens: s.cumIn, cumulative_output_tokens: s.cumOut, cumulative_total_tokens: s.cumIn + s.cumOut,
      },
      recent_metrics: s.recent.slice().reverse(),
    });
  }

  /** @returns {string} the next frame's JSON text */
  next() {
    if (this.queue.length) return /** @type {string} */ (this.queue.shift());
    const kind = weighted(this.kinds, this.kindsTotal, this.rand()).k;
    const noSession = this.sessionIds.length === 0;
    switch (kind) {
      case 'log_metric':
        if (this.active !== null) return this.logMetric();
        return noSession ? this.clineUsage() : this.request(this._pick());
      case 'metric_updated': return noSession ? this.clineUsage() : this.request(this._pick());
      case 'metric': return noSession ? this.clineUsage() : this.legacyMetric(this._pick());
      case 'memory_metrics_update': return noSession ? this.clineUsage() : this.memoryUpdate(this._pick());
      case 'compression_event': return noSession ? this.clineUsage() : this.compression(this._pick());
      case 'provider_context_limit_error': return this.providerLimit(noSession ? null : this._pick());
      default: return this.clineUsage();
    }
  }

  _pick() { return this.state(this.sessionIds[this.int(0, this.sessionIds.length - 1)]); }

  /**
   * One streamed proxied request: context grows 1–8k tokens; above the 85 % auto-compaction
   * threshold a compaction may fire instead (always at ≥ 97 %), so alerts reach every level.
   */
  request(s) {
    const pct0 = (s.ctx / MAX_CONTEXT) * 100;
    if (pct0 >= 85 && (pct0 >= 97 || this.rand() < 0.25)) return this.compaction(s);
    // ~10 % of requests are not streamed: a row exists but no frame (ids have gaps, like the DB).
    if (this.rand() < 0.1) this._addRow(s, s.ctx + this.int(200, 900), 0, 0, 1);
    s.ctx = Math.min(MAX_CONTEXT - 1500, s.ctx + this.int(1000, 8000));
    const total = s.ctx;
    const completion = this.int(150, 2400);
    const row = this._addRow(s, total, total - completion, completion, 0);
    s.row.consecutive_auto_compactions = 0;
    const p = pyFloat(row.percentage);
    const frame = `{"type":"metric_updated","metric_id":${row.id},"session_id":${s.id},"real_tokens":{"total":${total},"prompt":${total - completion},"completion":${completion},"percentage":${p}},"cumulative_tokens":${total},"cumulative_percentage":${p},"alert":${alertText(row.percentage)},"source":"proxy"}`;
    if (this.rand() < 0.1) {
      const [t, m] = STREAM_ERRORS[this.int(0, STREAM_ERRORS.length - 1)];
      this.queue.push(`{"type":"streaming_error","session_id":${s.id},"metric_id":${row.id},"error_type":"${t}","error_message":"${m}","timestamp":"${this.clock.iso()}"}`);
    }
    return frame;
  }

  /** compaction_event shape A; the session drops to 30–40 % of its context. */
  compaction(s) {
    const before = s.ctx;
    const after = Math.floor(MAX_CONTEXT * (0.3 + this.rand() * 0.1));
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

  /** log_metric, always stamped with the ACTIVE session (§2.1). */
  logMetric() {
    const s = this.state(/** @type {number} */ (this.active));
    const src = weighted(LOG_SOURCES, this.logTotal, this.rand());
    let prompt = 0; let completion = 0; let tools = 0; let system = 0; let total = 0;
    switch (src.k) {
      case 'request':
        prompt = s.last ? (s.last.prompt_tokens || s.last.estimated_tokens) : s.ctx;
        completion = s.last ? s.last.completion_tokens : 0;
        total = prompt + completion;
        break;
      case 'usage': total = s.ctx + this.int(0, 600); break;
      case 'compile': tools = this.int(8000, 14000); system = this.int(2500, 4000); total = tools + system; break;
      case 'limit': total = this.rand() < 0.5 ? MAX_CONTEXT : this.int(200000, 320000); break;
      default: break;
    }
    return `${src.head}"prompt_tokens":${prompt},"completion_tokens":${completion},"tools_tokens":${tools},"system_message_tokens":${system},"total_tokens":${total},"context_length":${MAX_CONTEXT},"max_context":${MAX_CONTEXT},"percentage":${pyFloat((total / MAX_CONTEXT) * 100)}},"session_id":${s.id},"timestamp":"${this.clock.iso()}"}`;
  }

  /** Legacy `metric` (§6) describing the session's newest request, with real numbers. */
  legacyMetric(s) {
    const r = s.last;
    const total = r.estimated_tokens;
    const delta = this.int(50, 1500);
    const system = 3120;
    const mem = this._memTokens(s);
    const pv = JSON.stringify(r.content_preview);
    return `{"type":"metric","metric":{"id":${r.id},"timestamp":"${this.clock.iso()}","estimated_tokens":${total},"cumulative_tokens":${total},"cumulative_billing":${s.cumIn + s.cumOut},"delta_tokens":${delta},"system_tokens":${system},"history_tokens":${Math.max(0, total - system - delta)},"percentage":${pyFloat(r.percentage)},"content_preview":${pv},"is_estimated":true,"source":"proxy"},"session_id":${s.id},"session_updated":true,"alert":${alertText(r.percentage)},"sanitizer":null,"mcp_memory":{"memory_tokens":${mem},"chat_tokens":${total - mem},"total_tokens":${total},"memory_ratio":${pyFloat(Math.round((mem / total) * 10000) / 100)},"segments":[{"type":"memory_tag","content":${MEMORY_SEGMENT},"tokens":${mem},"position":[1024,2871]}],"has_memory":true,"segment_count":1}}`;
  }

  /** Legacy `memory_metrics_update` (§6), same numbers as legacyMetric. */
  memoryUpdate(s) {
    const total = s.last.estimated_tokens;
    const mem = this._memTokens(s);
    return `{"type":"memory_metrics_update","session_id":${s.id},"timestamp":"${this.clock.iso()}","memory":{"memory_tokens":${mem},"chat_tokens":${total - mem},"total_tokens":${total},"memory_ratio":${pyFloat(Math.round((mem / total) * 10000) / 100)},"segment_count":1}}`;
  }

  _memTokens(s) {
    if (this.rand() < 0.05) s.memTokens += this.int(10, 80);
    return Math.min(s.memTokens, s.last.estimated_tokens);
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

  /** provider_context_limit_error (§4.10); occasionally with session_id null / model "unknown". */
  providerLimit(s) {
    const estimated = Math.floor(MAX_CONTEXT * (0.96 + this.rand() * 0.035));
    const msg = '"message":"Le provider a rejeté la requête pour dépassement de limite de contexte"';
    if (s === null || this.rand() < 0.05) {
      return `{"type":"provider_context_limit_error","session_id":null,"error":"{\\"error\\":{\\"message\\":\\"Message exceeds context limit\\"}}","provider":"managed:kimi-code","model":"unknown","estimated_tokens":${estimated},"max_context":${MAX_CONTEXT},${msg}}`;
    }
    const completion = this.int(4000, 8000);
    const body = `{"error":{"message":"This model's maximum context length is ${MAX_CONTEXT} tokens. However, you requested ${estimated + completion} tokens (${estimated} in the messages, ${completion} in the completion).","type":"invalid_request_error"}}`;
    const model = s.row.model ?? 'kimi-for-coding';
    return `{"type":"provider_context_limit_error","session_id":${s.id},"error":${JSON.stringify(body)},"provider":${JSON.stringify(s.row.provider)},"model":${JSON.stringify(model)},"estimated_tokens":${estimated},"max_context":${MAX_CONTEXT},${msg}}`;
  }

  /** cline_usage_updated (§4.15): global, epoch-ms latest_ts. */
  clineUsage() {
    const imported = this.int(0, 4);
    this.clineCount += imported;
    return `{"type":"cline_usage_updated","latest_ts":${Math.floor(this.clock.now())},"latest_count":${this.clineCount},"imported_count":${imported},"timestamp":"${this.clock.iso()}"}`;
  }
}

// ---- blast frames (benchmarks): fixed-size metric_updated with seq and sent_at ----

const PAD_TEXT = 'Analyse le module de reconnexion WebSocket, vérifie la file d\'attente des commandes hors ligne, '
  + 'puis propose un correctif pour le filtre de session qui compare des ids entiers et des attributs texte. ';
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
