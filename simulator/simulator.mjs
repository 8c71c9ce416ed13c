// KimiSimulator: a server that behaves like Kimi Proxy's `/ws` endpoint (docs/PROTOCOL.md §1) and its
// session routes (§14) on the same port, plus test levers (push, drop, stall, hold, restart, blast,
// auth, session changes, booked requests) that let client code be exercised against what the real
// server does, failure modes included.

import http from 'node:http';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { handleApi } from '../tap/lib/protocol/api.mjs';
import { checkTimeZone, dumps, preciseNow } from '../tap/lib/protocol/format.mjs';
import { SocketHub } from '../tap/lib/protocol/hub.mjs';
import { LOG_SOURCES } from './logs.mjs';
import { handleMemoryCommand } from './memory.mjs';
import { STREAM_ERRORS, StreamGenerator, blastFrame } from './streams.mjs';

/** The subprotocol that carries `token`: `kimi-token.` + base64url of its UTF-8 bytes, unpadded. */
export function protocolToken(token) {
  return `kimi-token.${Buffer.from(token, 'utf8').toString('base64url')}`;
}

const TICK_MS = 15;
const RECEIVED_MAX = 10_000;

/** Close codes `ws` accepts from application code. */
function isValidCloseCode(code) {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 3000 && code <= 4999));
}

const isInt = (v) => Number.isInteger(v);
const isCount = (v) => Number.isInteger(v) && v >= 0;
/** Mean frames between scheduled session changes when not given (about a minute at 8 frames/s). */
export const DEFAULT_SWITCH_EVERY = 500;

export class KimiSimulator {
  /**
   * @param {{ host?: string, port?: number, sessions?: number[], activeSession?: number|null,
   *   rate?: number, legacy?: boolean, concurrent?: boolean, seq?: boolean, stamp?: boolean, pingReply?: boolean,
   *   auth?: null | { token: string, via?: 'query'|'protocol', closeCode?: number }, seed?: number,
   *   tz?: string, maxContext?: number, ideContext?: number, cliContext?: number, autoSession?: boolean,
   *   switchEvery?: number, history?: number, deflate?: boolean }} [options]
   */
  constructor(options = {}) {
    // Undefined keys mean "default" (so callers can forward optional CLI values as-is).
    const given = Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined));
    /** @type {Record<string, any>} */
    const o = {
      host: '127.0.0.1',
      port: 0,
      sessions: [1, 2],
      rate: 0,
      legacy: false,
      concurrent: false,
      seq: false,
      stamp: false,
      pingReply: false,
      auth: null,
      seed: 1,
      maxContext: 262144,
      ideContext: 131072,
      cliContext: 262144,
      autoSession: true,
      switchEvery: DEFAULT_SWITCH_EVERY,
      history: 12,
      deflate: true,
      ...given,
    };
    if (typeof o.host !== 'string' || !o.host) throw new TypeError('host must be a non-empty string');
    if (!isInt(o.port) || o.port < 0 || o.port > 65535) throw new RangeError('port must be an integer 0..65535');
    if (!Array.isArray(o.sessions) || !o.sessions.every((id) => isInt(id) && id > 0)) throw new TypeError('sessions must be an array of positive integers');
    if (new Set(o.sessions).size !== o.sessions.length) throw new TypeError('sessions must not repeat an id');
    const active = o.activeSession === undefined ? (o.sessions[0] ?? null) : o.activeSession;
    if (active !== null && !isInt(active)) throw new TypeError('activeSession must be an integer or null');
    this._checkRate(o.rate);
    if (!isInt(o.seed)) throw new TypeError('seed must be an integer');
    for (const k of ['maxContext', 'ideContext', 'cliContext']) {
      if (!isInt(o[k]) || o[k] <= 0) throw new RangeError(`${k} must be a positive integer`);
    }
    if (typeof o.switchEvery !== 'number' || !Number.isFinite(o.switchEvery) || o.switchEvery < 0)
      throw new RangeError('switchEvery must be a number >= 0 (0 = never)');
    if (!isCount(o.history) || o.history > 50) throw new RangeError('history must be an integer 0..50');
    for (const k of ['legacy', 'concurrent', 'seq', 'stamp', 'pingReply', 'autoSession', 'deflate']) {
      if (typeof o[k] !== 'boolean') throw new TypeError(`${k} must be a boolean`);
    }
    this._auth = null;
    if (o.auth != null) {
      const { token, via = 'query', closeCode = 4401 } = o.auth;
      if (typeof token !== 'string' || !token) throw new TypeError('auth.token must be a non-empty string');
      if (via !== 'query' && via !== 'protocol') throw new TypeError("auth.via must be 'query' or 'protocol'");
      if (!isValidCloseCode(closeCode)) throw new RangeError('auth.closeCode is not a valid close code');
      this._auth = { token, via, closeCode };
    }
    this._host = o.host;
    this._port = o.port;
    this._listening = false;
    this._rate = o.rate;
    this._seq = o.seq;
    this._stamp = o.stamp;
    this._pingReply = o.pingReply;
    this._deflate = o.deflate;
    this._gen = new StreamGenerator({
      sessions: o.sessions,
      active,
      legacy: o.legacy,
      concurrent: o.concurrent,
      seed: o.seed,
      tz: checkTimeZone(o.tz),
      maxContext: o.maxContext,
      ideContext: o.ideContext,
      cliContext: o.cliContext,
      autoSession: o.autoSession,
      switchEvery: o.switchEvery,
      history: o.history,
    });
    this._seqCounter = 0;
    /** @type {number|null} the session switchSession() went to last */
    this._switchCursor = null;
    this._blastMetricId = 100_000;
    this._started = false;
    this._timer = null;
    this._server = null;
    this._stopped = false;
    this.received = [];
    this.receivedCount = 0;
    // The `/ws` side is the tap's: the simulator is one source feeding it, its levers are the hub's.
    // No slow-client bound: uvicorn has none, and the simulator's own traffic waits for drains.
    this._hub = new SocketHub({
      initFrame: () => (this._gen.active === null ? null : this.store.initFrame(this._gen.active)),
      deflate: o.deflate,
      sendBufferMax: Infinity,
      selectProtocol: (protocols) => this._selectProtocol(protocols),
      refuse: (url, protocols) => (this._authorized(url, protocols) ? null : { code: /** @type {any} */ (this._auth).closeCode, reason: 'unauthorized' }),
      onMessage: (c, data, isBinary) => this._onMessage(c, data, isBinary),
      keepHandshake: true,
    });
    this._hub.accepting = false;
  }

  /** Connections accepted (authorized ones; refused ones count in authRejected). */
  get connectionsTotal() {
    return this._hub.connectionsTotal;
  }
  /** Connections closed with the auth close code. */
  get authRejected() {
    return this._hub.refused;
  }
  /** The last `/ws` handshake's url, offered subprotocols and headers (a test lever). */
  get lastHandshake() {
    return this._hub.lastHandshake;
  }

  get port() {
    return this._port;
  }

  get url() {
    const h = this._host === '0.0.0.0' || this._host === '::' ? '127.0.0.1' : this._host.includes(':') ? `[${this._host}]` : this._host;
    return `ws://${h}:${this._port}/ws`;
  }

  get clientCount() {
    return this._hub.size;
  }
  get active() {
    return this._gen.active;
  }
  /** The session and metrics tables (read-only use: change them through the methods below). */
  get store() {
    return this._gen.store;
  }
  /** The IANA zone of the server's local time, or undefined for the process's zone. */
  get tz() {
    return this._gen.clock.tz;
  }
  get rate() {
    return this._rate;
  }
  get stalled() {
    return this._hub.stalled;
  }
  get listening() {
    return this._listening;
  }
  /** Whether permessage-deflate is offered (uvicorn's default: yes). */
  get deflate() {
    return this._deflate;
  }

  /**
   * Bytes written to the TCP connections of `/ws` since the simulator was created: handshake answers,
   * frame headers and payloads as they went on the wire (compressed when permessage-deflate was
   * negotiated), close frames. Connections still open count what they wrote so far.
   */
  get wireBytesOut() {
    return this._hub.wireBytesOut;
  }

  /** @returns {Promise<{port:number,url:string}>} */
  async start() {
    this._stopped = false;
    if (!this._server) await this._listen(this._port);
    this._started = true;
    this._syncTimer();
    return { port: this._port, url: this.url };
  }

  async stop() {
    this._stopped = true;
    this._started = false;
    this._syncTimer();
    await this._closeListener();
  }

  /**
   * Broadcast frames to every connected, non-stalled client.
   * @param {string|object|Array<string|object>} frames strings go out verbatim, objects as compact JSON
   * @returns {number} frames × clients sent
   */
  push(frames) {
    const list = Array.isArray(frames) ? frames : [frames];
    for (const f of list) {
      if (typeof f !== 'string' && (f === null || typeof f !== 'object')) throw new TypeError('frames must be strings or objects');
    }
    let n = 0;
    for (const f of list) {
      if (typeof f === 'string') n += this._broadcast(f);
      else if (this._seq && !Array.isArray(f)) n += this._broadcast(JSON.stringify({ ...f, seq: this._seqCounter++ }));
      else n += this._broadcast(JSON.stringify(f));
    }
    return n;
  }

  /** @param {Uint8Array|ArrayBuffer|number[]} bytes  @returns {number} clients sent to */
  pushBinary(bytes) {
    return this._hub.broadcast(Buffer.from(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes));
  }

  /**
   * Activates a session (POST /api/sessions/{id}/activate): broadcasts `session_activated` only when it
   * differs and exists; an unknown id leaves NO session active and sends nothing, like the real server.
   * null deactivates every session (no real route does that; a test lever).
   * @param {number|null} id
   * @returns {boolean} whether the active session changed
   */
  setActive(id) {
    if (id !== null && !isInt(id)) throw new TypeError('session id must be an integer or null');
    const { changed, frame } = this._gen.activate(id);
    if (frame) this._sendGenerated(frame);
    return changed;
  }

  /**
   * Activates the next session by id after the one last switched to (wrapping), as a user going
   * through the list would. The cursor matters: activating a session without a model is followed by
   * an auto-session at the next request, and the list must still be walked past it.
   */
  switchSession() {
    const ids = this.store.ids().sort((a, b) => a - b);
    const from = this._switchCursor ?? this.active;
    const next = ids.find((id) => id !== this.active && (from === null || id > from)) ?? ids.find((id) => id !== this.active);
    if (next === undefined) return { changed: false, active: this.active };
    this._switchCursor = next;
    return { changed: this.setActive(next), active: this.active };
  }

  /**
   * Creates a session that becomes active: `via: 'http'` as POST /api/sessions (broadcasts
   * `new_session`, model null unless given), `via: 'auto'` as a request naming a new model
   * (broadcasts `auto_session_created`, model "kimi-for-coding" unless given).
   * @param {{ via?: 'http'|'auto', name?: string, provider?: string, model?: string|null,
   *   externalSessionId?: string|null, maxContext?: number }} [spec]
   * @returns {Record<string, unknown>} the SessionRow (with max_context for 'http', as the real answer)
   */
  createSession({ via = 'http', name, provider, model, externalSessionId, maxContext } = {}) {
    if (via !== 'http' && via !== 'auto') throw new TypeError("via must be 'http' or 'auto'");
    if (maxContext !== undefined && (!isInt(maxContext) || maxContext <= 0)) throw new RangeError('maxContext must be a positive integer');
    if (via === 'auto') {
      const { session, frame } = this._gen.autoCreate({
        model: model ?? undefined,
        provider,
        externalSessionId: externalSessionId ?? undefined,
        name,
        maxContext,
      });
      this._sendGenerated(frame);
      return this.store.row(session.id);
    }
    const { session, frame } = this._gen.newSession({ name, provider, model, externalSessionId, maxContext });
    this._sendGenerated(frame);
    return this.store.rowWithContext(session.id);
  }

  /**
   * DELETE /api/sessions: refused for an empty list or one holding the active session; deletes one by
   * one and broadcasts `sessions_bulk_deleted` only when every deletion succeeded.
   * @param {unknown} ids
   * @returns {{ success: boolean, deleted_count: number, failed_ids: unknown[] } | { error: string }}
   */
  deleteSessions(ids) {
    if (!Array.isArray(ids) || ids.length === 0) return { error: 'Aucun ID de session fourni' };
    if (this.active !== null && ids.includes(this.active)) return { error: 'Impossible de supprimer une session active' };
    const result = this.store.deleteMany(ids);
    if (!result.success) return { error: `Échec suppression sessions: [${result.failed_ids.map((x) => JSON.stringify(x)).join(', ')}]` };
    this._sendGenerated(dumps({ type: 'sessions_bulk_deleted', session_ids: ids, deleted_count: result.deleted_count }));
    return result;
  }

  /**
   * POST /api/sessions/toggle-auto for the active session: `enabled` is stored and echoed as sent.
   * @param {unknown} enabled
   */
  setAutoSession(enabled = true) {
    const id = this.active;
    if (id === null) return { error: 'Aucune session active' };
    this.store.autoSession.set(id, enabled);
    this._sendGenerated(dumps({ type: 'auto_session_toggled', session_id: id, enabled }));
    return { enabled: this.store.autoSessionEnabled(id), session_id: id };
  }

  /**
   * Books one proxied request like the real proxy: to the active session, or to a new auto-session
   * when `model` is given and differs from the active session's (auto-session on) or no session is
   * active. `live: false` leaves a row without a frame (not streamed, or no usage).
   * @param {{ tokens?: number, completion?: number, live?: boolean, model?: string|null, preview?: string,
   *   streamError?: boolean|string }} [spec]
   * @returns {{ sessionId: number|null, metricId: number|null, autoCreated: number|null, frames: object[] }}
   */
  recordRequest(spec = {}) {
    const { tokens, completion, live = true, model = null, preview, streamError = false } = spec;
    if (tokens !== undefined && (!isInt(tokens) || tokens <= 0)) throw new RangeError('tokens must be a positive integer');
    if (completion !== undefined && (!isCount(completion) || (tokens !== undefined && completion > tokens)))
      throw new RangeError('completion must be an integer 0..tokens');
    if (typeof live !== 'boolean') throw new TypeError('live must be a boolean');
    if (model !== null && (typeof model !== 'string' || !model)) throw new TypeError('model must be a non-empty string or null');
    if (preview !== undefined && typeof preview !== 'string') throw new TypeError('preview must be a string');
    if (typeof streamError !== 'boolean' && !STREAM_ERRORS.has(streamError))
      throw new TypeError(`streamError must be a boolean or one of ${[...STREAM_ERRORS.keys()].join(', ')}`);
    const booked = this._gen.book({ tokens, completion, live, model, preview: preview?.slice(0, 100), streamError });
    for (const f of booked.frames) this._sendGenerated(f);
    return { sessionId: booked.sessionId, metricId: booked.metricId, autoCreated: booked.autoCreated, frames: booked.frames.map((f) => JSON.parse(f)) };
  }

  /**
   * One `log_metric` for the active session, labelled as the log watcher does (the last context size
   * any log reported, else the session's window). Nothing is sent when no session is active.
   * @param {{ source?: string, totalTokens?: number, promptTokens?: number, completionTokens?: number,
   *   toolsTokens?: number, systemTokens?: number, contextLength?: number }} [spec]
   * @returns {object|null} the frame sent
   */
  emitLog({ source = 'continue_logs', totalTokens = 0, promptTokens = 0, completionTokens = 0, toolsTokens = 0, systemTokens = 0, contextLength = 0 } = {}) {
    if (typeof source !== 'string' || !source) throw new TypeError(`source must be a non-empty string, e.g. ${LOG_SOURCES.join(', ')}`);
    for (const [k, v] of Object.entries({ totalTokens, promptTokens, completionTokens, toolsTokens, systemTokens, contextLength })) {
      if (!isCount(v)) throw new RangeError(`${k} must be an integer >= 0`);
    }
    const s = this.store.activeSession;
    if (!s) return null;
    const text = this._gen.logs.frame(s, source, {
      prompt: promptTokens,
      completion: completionTokens,
      tools: toolsTokens,
      system: systemTokens,
      total: totalTokens,
      contextLength,
    });
    this._sendGenerated(text);
    return JSON.parse(text);
  }

  /** Every session with its window, auto-session switch and metric count, and the active id. */
  sessions() {
    return {
      active: this.active,
      sessions: this.store.list().map((row) => {
        const s = /** @type {import('../tap/lib/protocol/store.mjs').Session} */ (this.store.get(row.id));
        return {
          ...row,
          max_context: s.maxContext,
          auto_session: this.store.autoSessionEnabled(row.id),
          total_requests: s.count,
          last_metric_id: s.last?.id ?? null,
        };
      }),
    };
  }

  /** @param {number} n total frames/s across sessions, 0 = off */
  setRate(n) {
    this._checkRate(n);
    this._rate = n;
    this._syncTimer();
  }

  /**
   * Closes all current connections: abruptly (1006 on the client) or with a close handshake.
   * @param {{code?: number}} [opts]
   * @returns {number} connections dropped
   */
  drop({ code } = {}) {
    if (code !== undefined && !isValidCloseCode(code)) throw new RangeError(`invalid close code ${code}`);
    return this._hub.drop({ code, reason: 'dropped by simulator' });
  }

  /**
   * Half-open simulation for the current clients: nothing sent, nothing read, no pongs, no close.
   * @param {boolean} on
   */
  stall(on) {
    this._hub.stall(on);
  }

  /**
   * A server that hangs during the handshake: while on, new connections are accepted at the TCP level
   * but never answered (a client's connect timeout is the only way out). Off: held ones are dropped.
   * @param {boolean} on
   */
  holdHandshakes(on) {
    this._hub.holdHandshakes(on);
  }

  /**
   * Server restart: clients terminated, port closed (connections refused) for downMs, same port again.
   * @param {{downMs?: number}} [opts]
   */
  async restart({ downMs = 300 } = {}) {
    if (typeof downMs !== 'number' || !(downMs >= 0)) throw new RangeError('downMs must be a number >= 0');
    if (!this._server) throw new Error('simulator is not listening');
    await this._closeListener();
    // Server memory is lost, the SQLite file is not: sessions and metrics stay, switches reset.
    this.store.restarted();
    this._gen.logs.restarted();
    await sleep(downMs);
    if (!this._stopped) await this._listen(this._port);
    return { port: this._port, url: this.url };
  }

  /**
   * Sends `count` metric_updated frames as fast as backpressure allows (or every spacingMs),
   * each with a per-blast "seq" and a "sent_at" stamp.
   * @param {{count:number, sessions?:number[], size?:'small'|'medium', spacingMs?:number}} opts
   * @returns {Promise<{sent:number, deliveries:number}>}
   */
  async blast({ count, sessions = [1, 2], size = 'small', spacingMs = 0 } = /** @type {any} */ ({})) {
    if (!isInt(count) || count < 0) throw new RangeError('count must be an integer >= 0');
    if (!Array.isArray(sessions) || !sessions.length || !sessions.every(isInt)) throw new TypeError('sessions must be a non-empty array of integers');
    if (size !== 'small' && size !== 'medium') throw new TypeError("size must be 'small' or 'medium'");
    if (typeof spacingMs !== 'number' || !(spacingMs >= 0)) throw new RangeError('spacingMs must be a number >= 0');
    let deliveries = 0;
    let sent = 0;
    let sinceYield = 0;
    const t0 = performance.now();
    for (let i = 0; i < count && !this._stopped; i++) {
      const wait = spacingMs > 0 ? t0 + i * spacingMs - performance.now() : 0;
      if (wait >= 1) {
        await sleep(wait);
        sinceYield = 0;
      } else if (++sinceYield >= 1024) {
        await yieldToLoop();
        sinceYield = 0;
      }
      if (this._hub.congested()) await this._hub.drained();
      const text = blastFrame(i, sessions[i % sessions.length], ++this._blastMetricId, size, preciseNow());
      deliveries += this._broadcast(text);
      sent += 1;
    }
    return { sent, deliveries };
  }

  resetCounters() {
    this.received = [];
    this.receivedCount = 0;
  }

  /** Snapshot used by the control hub, with the last `receivedLimit` client frames (at most the 10,000 kept). */
  status(receivedLimit = 1000) {
    return {
      url: this.url,
      port: this._port,
      listening: this._listening,
      clientCount: this.clientCount,
      connectionsTotal: this.connectionsTotal,
      receivedCount: this.receivedCount,
      received: this.received.slice(-Math.max(0, Math.min(receivedLimit, 10_000))).map(({ client, text }) => ({ client, text })),
      active: this.active,
      rate: this._rate,
      stalled: this._hub.stalled,
      tz: this.tz ?? null,
      authRejected: this.authRejected,
      heldHandshakes: this._hub.held.size,
      deflate: this._deflate,
      wireBytesOut: this.wireBytesOut,
    };
  }

  // ---- internals ----

  _checkRate(n) {
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new RangeError('rate must be a finite number >= 0');
  }

  async _listen(port) {
    const server = http.createServer(async (req, res) => {
      try {
        if (await handleApi(this, req, res)) return;
        const ws = new URL(req.url ?? '/', 'http://x').pathname === '/ws';
        res.writeHead(ws ? 426 : 404, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
        res.end('{"detail":"Not Found"}');
      } catch {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'access-control-allow-origin': '*' });
        res.end('Internal Server Error');
      }
    });
    server.on('upgrade', (req, socket, head) => this._hub.upgrade(req, socket, head));
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this._host, () => {
        server.off('error', reject);
        resolve(undefined);
      });
    });
    this._server = server;
    this._port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
    this._listening = true;
    this._hub.accepting = true;
  }

  async _closeListener() {
    this._hub.accepting = false;
    this._hub.close();
    const server = this._server;
    this._server = null;
    this._listening = false;
    if (!server) return;
    await new Promise((resolve) => {
      server.close(() => resolve(undefined));
      server.closeAllConnections();
    });
  }

  _syncTimer() {
    // Keeps ticking through a restart's downtime: the real proxy's traffic does not pause either.
    const want = this._rate > 0 && this._started;
    if (want && !this._timer) {
      this._lastTick = performance.now();
      this._acc = 0;
      this._timer = setInterval(() => this._tick(), TICK_MS);
    } else if (!want && this._timer) {
      clearInterval(this._timer);
      this._timer = null;
    }
  }

  /** Emits rate×dt frames (fractions carried over); holds back while any client is congested. */
  _tick() {
    const now = performance.now();
    const burst = Math.max(1, Math.ceil(this._rate * 0.1));
    this._acc = Math.min(burst, this._acc + (this._rate * (now - this._lastTick)) / 1000);
    this._lastTick = now;
    const n = Math.floor(this._acc);
    if (n === 0) return;
    if (this._hub.congested()) return;
    this._acc -= n;
    for (let i = 0; i < n; i++) this._sendGenerated(this._gen.next());
  }

  /** A frame of the simulated server (not a pushed one): gets the seq / sent_at options. */
  _sendGenerated(text) {
    if (this._seq || this._stamp) {
      text = `${text.slice(0, -1)}${this._seq ? `,"seq":${this._seqCounter++}` : ''}${this._stamp ? `,"sent_at":${preciseNow()}` : ''}}`;
    }
    return this._broadcast(text);
  }

  _broadcast(text) {
    return this._hub.broadcast(text);
  }

  _selectProtocol(protocols) {
    // The real server never selects a subprotocol; only the protocol-auth mode needs one.
    if (!this._auth || this._auth.via !== 'protocol') return false;
    if (protocols.has('kimi')) return 'kimi';
    const tok = protocolToken(this._auth.token);
    if (protocols.has(tok)) return tok;
    return protocols.values().next().value ?? false; // complete the handshake, then close 4401
  }

  _authorized(url, protocols) {
    const a = this._auth;
    if (!a) return true;
    if (a.via === 'query') return url.searchParams.get('token') === a.token;
    // `kimi-token.` + base64url (no padding) of the token's UTF-8 bytes, as <kimi-realtime> sends it.
    return protocols.some((p) => p.startsWith('kimi-token.') && Buffer.from(p.slice(11), 'base64url').toString('utf8') === a.token);
  }

  _record(entry) {
    this.receivedCount += 1;
    this.received.push(entry);
    if (this.received.length > RECEIVED_MAX) this.received.shift();
  }

  /** @param {import('../tap/lib/protocol/hub.mjs').HubClient} c @param {Buffer} data @param {boolean} isBinary */
  _onMessage(c, data, isBinary) {
    if (isBinary) {
      // Real server: reading text fails → socket leaves the broadcast set, is not closed, not read again.
      this._record({ client: c.n, text: null, json: null, binary: true });
      c.inBroadcast = false;
      return;
    }
    const text = data.toString('utf8');
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* invalid JSON: dropped, connection stays open */
    }
    this._record({ client: c.n, text, json });
    if (!c.inBroadcast || c.stalled) return; // out of the broadcast set: not read any more
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return;
    if (this._pingReply && json.type === 'ping') {
      c.send(dumps({ type: 'pong', echo: json.id ?? null }));
      return;
    }
    const r = handleMemoryCommand(json, () => this._gen.clock.iso());
    if (!r) return; // unknown or missing type: ignored
    if (r.broadcast) this._sendGenerated(dumps(r.broadcast)); // before the direct reply (§4.16)
    c.send(dumps(r.reply));
  }
}
