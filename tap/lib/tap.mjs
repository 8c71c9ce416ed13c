// KimiTap: the pass-through (proxy.mjs), the observer (observe.mjs) and the dashboard protocol of
// Kimi Proxy at 2c68469 (protocol/: the same store, routes and frame texts the simulator serves),
// on one port. Observed `…/chat/completions` requests become sessions and metrics rows like Kimi
// Proxy's proxy route made them, with the facts of PROTOCOL.md §17; the history lives in SQLite (db.mjs).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { handleApi } from './protocol/api.mjs';
import { Clock, dumps, pyFloat, zoneOffsetMs } from './protocol/format.mjs';
import { CONTEXT_LIMIT_MESSAGE, metricUpdatedText, streamingErrorText } from './protocol/frames.mjs';
import { SocketHub } from './protocol/hub.mjs';
import { SESSIONS_MAX, SessionStore, autoSessionName } from './protocol/store.mjs';
import { TapDatabase } from './db.mjs';
import { ModelWindows } from './models.mjs';
import { ERROR_CAP, REQUEST_CAP, RequestCopy, ResponseWatch, errorMessage, estimatePrompt, isContextLimit } from './observe.mjs';
import { Forwarder, tapError } from './proxy.mjs';
import { KimiProxyStats } from './extras.mjs';

const CHAT_PATH = /^(?:\/.*)?\/chat\/completions\/?$/;
const pad = (n, w = 2) => String(n).padStart(w, '0');

/** ISO 8601 with this machine's UTC offset and milliseconds: `2026-12-05T23:59:01.123+01:00`. */
export function isoWithOffset(ms) {
  const off = zoneOffsetMs(ms);
  const d = new Date(ms + off);
  const a = Math.abs(off) / 60_000;
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `.${pad(d.getUTCMilliseconds(), 3)}${off < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`
  );
}

/** Provider key for the upstream's host, as Kimi Proxy names providers ("openrouter", "nvidia"…), else the host. */
export function providerKey(upstream) {
  const h = upstream.hostname.toLowerCase();
  for (const [needle, key] of [
    ['openrouter', 'openrouter'],
    ['moonshot', 'moonshot'],
    ['kimi.com', 'managed:kimi-code'],
    ['openai.com', 'openai'],
    ['nvidia', 'nvidia'],
    ['mistral', 'mistral'],
    ['groq', 'groq'],
    ['cerebras', 'cerebras'],
    ['siliconflow', 'siliconflow'],
    ['googleapis', 'gemini'],
  ]) {
    if (h.includes(needle)) return key;
  }
  return h;
}

const round3 = (x) => Math.round(x * 1000) / 1000;

export class KimiTap {
  /**
   * @param {{ upstream: string, host?: string, port?: number, db?: string, models?: Record<string, number>, retainDays?: number,
   *   adminKey?: string, headersTimeoutMs?: number, idleTimeoutMs?: number, statsIntervalMs?: number, log?: (line: string) => void }} o
   */
  constructor(o) {
    let upstream;
    try {
      upstream = new URL(o.upstream);
    } catch {
      throw new TypeError(`--upstream must be a URL such as http://127.0.0.1:8000 or https://openrouter.ai/api (got "${o.upstream}")`);
    }
    if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') throw new TypeError('--upstream must be an http:// or https:// URL');
    if (upstream.search || upstream.hash) throw new TypeError('--upstream takes an origin with an optional path prefix, no query or fragment');
    this.upstream = upstream;
    this.host = o.host ?? '127.0.0.1';
    this.port = o.port ?? 8011;
    this.retainDays = o.retainDays ?? 30;
    if (!(this.retainDays > 0)) throw new RangeError('--retain-days must be a positive number');
    this.log = o.log ?? ((line) => console.error(line));
    this.provider = providerKey(upstream);
    this.windows = new ModelWindows(o.models ?? {});
    this.clock = new Clock();
    this.store = new SessionStore({ clock: this.clock });
    /** @type {Map<number, boolean>} sessions whose window is the default one */
    this.defaultWindow = new Map();
    this.dbFile = o.db ?? ':memory:';
    this.db = new TapDatabase(this.dbFile, { onError: (e) => this.log(`kimi-tap: database write failed: ${e.message}`) });
    this.forwarder = new Forwarder({ upstream, headersTimeoutMs: o.headersTimeoutMs ?? 300_000, idleTimeoutMs: o.idleTimeoutMs ?? 300_000 });
    this.hub = new SocketHub({ initFrame: () => (this.store.active === null ? null : this.store.initFrame(this.store.active)) });
    this.extras = new KimiProxyStats({
      origin: upstream.origin,
      adminKey: o.adminKey,
      intervalMs: o.statsIntervalMs ?? 15_000,
      broadcast: (frame) => this.hub.broadcast(dumps(frame)),
      log: this.log,
      now: () => this.clock.iso(),
    });
    this.counters = { requests: 0, observed: 0, upstreamErrors: 0, gaveUp: 0 };
    /** @type {http.Server|null} */
    this.server = null;
    this.pruneTimer = null;
    this._loadHistory();
  }

  get url() {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host === '0.0.0.0' ? '127.0.0.1' : this.host;
    return `http://${h}:${this.port}`;
  }

  get active() {
    return this.store.active;
  }

  async start() {
    this.prune();
    const server = http.createServer((req, res) => this._onRequest(req, res));
    server.on('upgrade', (req, socket, head) => {
      // `/ws` is the dashboard's; any other upgrade (a realtime API's WebSocket) goes to the upstream.
      if ((req.url ?? '/').split('?')[0] === '/ws') this.hub.upgrade(req, socket, head);
      else this.forwarder.upgrade(req, socket, head);
    });
    server.on('clientError', (_e, socket) => socket.destroy());
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.requestTimeout = 0; // streams last as long as the model writes
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve(undefined);
      });
    });
    this.server = server;
    this.port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
    this.pruneTimer = setInterval(() => this.prune(), 3_600_000);
    this.pruneTimer.unref();
    this.extras.start();
    return { url: this.url };
  }

  async stop() {
    clearInterval(this.pruneTimer);
    this.extras.stop();
    this.hub.close();
    const server = this.server;
    this.server = null;
    if (server) {
      await new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      });
    }
    this.forwarder.close();
    this.db.close();
  }

  // ---- history ----

  _loadHistory() {
    const { sessions, maxMetric, maxSession } = this.db.load(SESSIONS_MAX);
    let active = null;
    for (const { session: r, stats, recent } of sessions) {
      const s = this.store.insert({
        id: r.id,
        name: r.name,
        provider: r.provider,
        model: r.model,
        externalSessionId: r.external_session_id,
        maxContext: r.max_context,
        createdAt: r.created_at,
      });
      this.defaultWindow.set(s.id, Boolean(r.max_context_default));
      s.count = stats.count;
      s.sum = stats.sum;
      s.max = stats.max;
      s.cumIn = stats.cumIn;
      s.cumOut = stats.cumOut;
      s.recent = recent.map((m) => this._rowFromDb(m));
      s.last = s.recent.at(-1) ?? null;
      if (r.is_active) active = s.id;
    }
    this.store.metricId = maxMetric;
    this.store.lastSessionId = maxSession;
    this.store.activate(active);
  }

  /** A stored metrics row as the protocol shows it (Kimi Proxy's columns, then §17.1's). */
  _rowFromDb(m) {
    return {
      id: m.id,
      session_id: m.session_id,
      timestamp: m.timestamp,
      estimated_tokens: m.estimated_tokens,
      percentage: m.percentage,
      content_preview: null,
      prompt_tokens: m.prompt_tokens,
      completion_tokens: m.completion_tokens,
      is_estimated: m.is_estimated,
      source: 'proxy',
      memory_tokens: 0,
      chat_tokens: 0,
      memory_ratio: 0,
      model: m.model,
      stream: Boolean(m.stream),
      status: m.status,
      started_at: m.started_at,
      ended_at: m.ended_at,
      ttft_ms: m.ttft_ms,
      duration_ms: m.duration_ms,
      cached_tokens: m.cached_tokens,
      estimated: Boolean(m.is_estimated),
      max_context: m.max_context,
      max_context_default: Boolean(m.max_context_default),
    };
  }

  /** `--retain-days`: old metrics and empty old sessions leave the file and the store. */
  prune() {
    const { metrics, sessions } = this.db.prune(this.retainDays, this.store.active);
    if (metrics || sessions.length) {
      // Aggregates and recent rows are rebuilt from what is left.
      this.store = new SessionStore({ clock: this.clock });
      this._loadHistory();
      this.log(`kimi-tap: retention ${this.retainDays} days: removed ${metrics} metrics rows and ${sessions.length} sessions`);
    }
  }

  // ---- the protocol source interface (protocol/api.mjs) ----

  _saveSession(s) {
    this.db.saveSession(s.row, s.maxContext, this.defaultWindow.get(s.id) ?? false);
  }

  /** Creates a session that becomes active, persisted; `via: 'auto'` as a request naming a new model. */
  createSession({ via = 'http', name, provider = this.provider, model = null, externalSessionId = null } = {}) {
    const win = model ? this.windows.lookup(model) : { window: this.store.maxContext, isDefault: true };
    if (this.store.size >= SESSIONS_MAX) {
      const oldest = this.store.ids().find((id) => id !== this.store.active);
      if (oldest !== undefined) this.deleteSessions([oldest], false);
    }
    const s = this.store.create({
      name: name ?? (via === 'auto' ? autoSessionName(provider, this.clock.hms()) : `Session ${this.clock.hms()}`),
      provider,
      model,
      externalSessionId: externalSessionId ?? (via === 'auto' ? randomUUID() : null),
      maxContext: win.window,
    });
    this.defaultWindow.set(s.id, win.isDefault);
    this._saveSession(s);
    this.db.setActive(s.id);
    if (via === 'auto') {
      this.hub.broadcast(dumps({ type: 'auto_session_created', session: s.row, provider, model, external_session_id: s.row.external_session_id }));
      return this.store.row(s.id);
    }
    this.hub.broadcast(dumps({ type: 'new_session', session: this.store.rowWithContext(s.id) }));
    return this.store.rowWithContext(s.id);
  }

  setActive(id) {
    if (id === this.store.active) return false;
    const exists = this.store.activate(id);
    this.db.setActive(exists ? id : null);
    if (exists && id !== null) this.hub.broadcast(dumps({ type: 'session_activated', session_id: id, session: this.store.row(id) }));
    return true;
  }

  deleteSessions(ids, announce = true) {
    if (!Array.isArray(ids) || ids.length === 0) return { error: 'Aucun ID de session fourni' };
    if (this.store.active !== null && ids.includes(this.store.active)) return { error: 'Impossible de supprimer une session active' };
    const result = this.store.deleteMany(ids);
    for (const id of ids) if (Number.isInteger(id)) this.db.removeSession(id);
    if (!result.success) return { error: `Échec suppression sessions: [${result.failed_ids.map((x) => JSON.stringify(x)).join(', ')}]` };
    if (announce) this.hub.broadcast(dumps({ type: 'sessions_bulk_deleted', session_ids: ids, deleted_count: result.deleted_count }));
    return result;
  }

  setAutoSession(enabled = true) {
    const id = this.store.active;
    if (id === null) return { error: 'Aucune session active' };
    this.store.autoSession.set(id, enabled);
    this.hub.broadcast(dumps({ type: 'auto_session_toggled', session_id: id, enabled }));
    return { enabled: this.store.autoSessionEnabled(id), session_id: id };
  }

  // ---- requests ----

  _onRequest(req, res) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === '/ws') {
      res.writeHead(426, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      res.end('{"detail":"Not Found"}');
      return;
    }
    if (path === '/api/sessions' || path.startsWith('/api/sessions/')) {
      handleApi(this, req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'access-control-allow-origin': '*' });
        res.end('Internal Server Error');
      });
      return;
    }
    this.counters.requests += 1;
    if (req.method === 'POST' && CHAT_PATH.test(path)) this._observe(req, res);
    else this.forwarder.forward(req, res, { onDone: (o) => this._countFailure(o) });
  }

  _countFailure(o) {
    if (o.kind !== 'unreachable' && o.kind !== 'no_answer') return;
    this.counters.upstreamErrors += 1;
    const n = this.counters.upstreamErrors;
    if (n === 1 || n % 100 === 0) this.log(`kimi-tap: ${o.reason} at ${this.upstream.origin} (${n} so far)`);
  }

  /** One `…/chat/completions` exchange: forwarded untouched, watched on copies, booked when it ends. */
  _observe(req, res) {
    const t0 = performance.now();
    const startedMs = Date.now();
    const copy = new RequestCopy();
    /** @type {ReturnType<RequestCopy['read']>|null} */
    let info = null;
    /** @type {number|null} */
    let sessionId = null;
    /** @type {ResponseWatch|null} */
    let watch = null;
    let ttft = null;
    const onRequestEnd = () => {
      info = copy.read();
      sessionId = this._sessionFor(info.model);
    };
    this.forwarder.forward(req, res, {
      onRequestChunk: (c) => copy.push(c),
      onRequestEnd,
      onHeaders: (status, h) => {
        watch = new ResponseWatch({
          status,
          contentType: String(h['content-type'] ?? ''),
          contentEncoding: String(h['content-encoding'] ?? ''),
          onFirstEvent: () => {
            ttft ??= performance.now() - t0;
          },
        });
      },
      onChunk: (c) => watch?.push(c),
      onDone: (outcome) => {
        const durationMs = performance.now() - t0;
        const endedMs = Date.now();
        this._countFailure(outcome);
        // Booked after the response, off its path.
        setImmediate(() => {
          if (!info) onRequestEnd(); // the client left before its body ended
          this._book({ info, sessionId, watch, outcome, ttft, durationMs, startedMs, endedMs }).catch((e) =>
            this.log(`kimi-tap: could not book a request: ${e.message}`),
          );
        });
      },
    });
  }

  /** Kimi Proxy's auto-session: a model the active session does not have (auto-session on), or no session at all, opens one. */
  _sessionFor(model) {
    const s = this.store.activeSession;
    const named = model !== 'unknown';
    if (!s || (named && model !== s.row.model && this.store.autoSessionEnabled(s.id))) {
      return /** @type {{id: number}} */ (this.createSession({ via: 'auto', model: named ? model : null })).id;
    }
    return s.id;
  }

  async _book({ info, sessionId, watch, outcome, ttft, durationMs, startedMs, endedMs }) {
    if (watch) await watch.end();
    const s = sessionId === null ? undefined : this.store.get(sessionId);
    if (!s) return; // deleted meanwhile
    this.counters.observed += 1;
    const gaveUp = info.tooBig ? `request body over ${REQUEST_CAP / 1024 / 1024} MiB: model and prompt not read` : watch?.gaveUp;
    if (gaveUp) {
      this.counters.gaveUp += 1;
      if (this.counters.gaveUp === 1 || this.counters.gaveUp % 100 === 0) this.log(`kimi-tap: observation gave up: ${gaveUp} (passed through whole)`);
    }
    const model = info.model;
    const win = model !== 'unknown' ? this.windows.lookup(model) : { window: s.maxContext, isDefault: this.defaultWindow.get(s.id) ?? true };
    const status = outcome.status;
    const promptEstimate = info.body ? estimatePrompt(info.body) : 0;
    const usage = watch?.usage ?? null;
    const estimated = usage === null;
    const prompt = usage ? usage.prompt : promptEstimate;
    const completion = usage ? usage.completion : status < 400 && watch ? watch.completionEstimate() : 0;
    const total = usage ? usage.total : prompt + completion;
    const facts = {
      model,
      stream: info.stream,
      status,
      started_at: isoWithOffset(startedMs),
      ended_at: isoWithOffset(endedMs),
      ttft_ms: ttft === null ? null : round3(ttft),
      duration_ms: round3(durationMs),
      cached_tokens: usage?.cached ?? null,
      estimated,
      max_context: win.window,
      max_context_default: win.isDefault,
    };
    const row = this.store.addRow(s, { total, prompt, completion, estimated, preview: null, at: startedMs, maxContext: win.window, facts });
    const failed = status >= 400 || outcome.kind === 'unreachable' || outcome.kind === 'no_answer';
    let error = null;
    if (failed) error = outcome.kind === 'unreachable' || outcome.kind === 'no_answer' ? String(outcome.reason) : errorMessage(watch?.text ?? '');
    this.db.saveMetric({
      ...row,
      failed_by: failed ? (status >= 400 && outcome.kind !== 'unreachable' && outcome.kind !== 'no_answer' ? 'upstream' : 'tap') : null,
      error,
    });
    if (!failed) {
      this.hub.broadcast(metricUpdatedText(row, facts));
      if (outcome.kind === 'cut' || outcome.kind === 'timeout')
        this.hub.broadcast(streamingErrorText(s.id, row.id, outcome.kind === 'timeout' ? 'timeout_error' : 'read_error', this.clock.iso()));
      return;
    }
    const failedBy = outcome.kind === 'unreachable' || outcome.kind === 'no_answer' ? 'tap' : 'upstream';
    this.hub.broadcast(
      dumps({ type: 'request_failed', session_id: s.id, metric_id: row.id, failed_by: failedBy, error: String(error).slice(0, ERROR_CAP), ...facts }),
    );
    const body = watch?.text ?? '';
    if (failedBy === 'upstream' && isContextLimit(status, body)) {
      this.hub.broadcast(
        dumps({
          type: 'provider_context_limit_error',
          session_id: s.id,
          error: body.slice(0, ERROR_CAP),
          provider: s.row.provider,
          model,
          estimated_tokens: promptEstimate,
          max_context: win.window,
          message: CONTEXT_LIMIT_MESSAGE,
        }),
      );
    }
  }

  /** A snapshot for tests and `--help`-level diagnostics. */
  status() {
    return { url: this.url, upstream: this.upstream.href, clients: this.hub.size, active: this.store.active, sessions: this.store.size, ...this.counters };
  }
}

export { pyFloat, tapError };
