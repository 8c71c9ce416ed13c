// The one `/ws` server of the dashboard protocol (PROTOCOL.md §1), fed by two sources: kimi-tap's
// observed traffic and the simulator's generated traffic. What both get: the handshake on `/ws` only
// (anything else 404), permessage-deflate as uvicorn offers it, every connection joins the broadcast
// set and then gets `init` when a session is active, pongs to pings. A client that stops reading is
// closed with 1013 once its send buffer passes `sendBufferMax`, rather than buffered forever.
// The simulator's test levers (auth, stall, drop, held handshakes, client frames read) are options and
// methods here, so that a lever exercises the same socket code the tap runs.
import { WebSocket, WebSocketServer } from 'ws';

export const SEND_BUFFER_MAX = 8 * 1024 * 1024;
/** Past this many buffered bytes a source should wait (`drained()`) before it sends more. */
export const HIGH_WATER = 1 << 20;
/**
 * permessage-deflate (RFC 7692) as Kimi Proxy offers it: uvicorn's `--ws-per-message-deflate` is on by
 * default, and its default `websockets` implementation passes `ServerPerMessageDeflateFactory()` with no
 * arguments. So: 15-bit windows both ways, context takeover kept on both sides, whatever parameters the
 * client offers accepted (a bare `client_max_window_bits` dropped from the answer), zlib's default level
 * and memLevel, and every message compressed whatever its size. `ws`'s defaults agree, except that once
 * a client asks for no server context takeover, ws sends messages under its 1 KB threshold uncompressed.
 */
const UVICORN_DEFLATE = Object.freeze({ threshold: 0 });

/** One accepted, authorized connection. */
export class HubClient {
  constructor(ws, socket, n) {
    this.ws = ws;
    this.socket = socket;
    /** 1, 2, …: the order it connected in */
    this.n = n;
    /** false once the source takes it out of the broadcast set (the real server does after a binary frame) */
    this.inBroadcast = true;
    this.stalled = false;
  }

  get receiving() {
    return this.inBroadcast && !this.stalled && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends to this client only (a direct reply); false when it is closed. */
  send(text) {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(text);
    return true;
  }
}

/** Resolves once the client's write buffer drained to HIGH_WATER (or it closed). */
function waitDrain(c) {
  const drained = () => c.ws.bufferedAmount <= HIGH_WATER || c.ws.readyState !== WebSocket.OPEN;
  if (drained()) return Promise.resolve();
  return new Promise((resolve) => {
    // With permessage-deflate, messages waiting for zlib count in bufferedAmount but may reach the
    // socket without ever filling it, so no 'drain' comes for them: look again every few ms too.
    const poll = setInterval(() => {
      if (drained()) done();
    }, 5);
    const done = () => {
      clearInterval(poll);
      c.socket.off('drain', done);
      c.socket.off('close', done);
      resolve();
    };
    c.socket.on('drain', done);
    c.socket.on('close', done);
  });
}

/**
 * @typedef {object} HubOptions
 * @property {() => string|null} initFrame the `init` text for a new connection, null when no session is active
 * @property {boolean} [deflate] offer permessage-deflate (uvicorn's default: yes)
 * @property {number} [sendBufferMax] bytes buffered for one client before it is closed with 1013 (Infinity: never)
 * @property {(protocols: Set<string>) => string|false} [selectProtocol] the subprotocol to answer (default: none, as Kimi Proxy)
 * @property {(url: URL, protocols: string[]) => null | { code: number, reason: string }} [refuse]
 *   a close code for a connection that may not stay (checked after the handshake: browsers cannot see an HTTP 401)
 * @property {(client: HubClient, data: Buffer, isBinary: boolean) => void} [onMessage] client frames (default: ignored, as Kimi Proxy ignores types it does not handle)
 * @property {boolean} [keepHandshake] keep the last handshake's url, protocols and headers in `lastHandshake`
 *   (a test lever: off by default, since a query token or a cookie would stay in memory)
 */

export class SocketHub {
  /** @param {HubOptions} o */
  constructor({ initFrame, deflate = true, sendBufferMax = SEND_BUFFER_MAX, selectProtocol, refuse, onMessage, keepHandshake = false }) {
    this.initFrame = initFrame;
    this.deflate = deflate;
    this.sendBufferMax = sendBufferMax;
    this.refuse = refuse ?? (() => null);
    this.onMessage = onMessage ?? (() => {});
    this.keepHandshake = keepHandshake;
    /** @type {Set<HubClient>} */
    this.clients = new Set();
    /** @type {Set<WebSocket>} every accepted socket, refused ones being closed included */
    this.sockets = new Set();
    /** Whether handshakes that complete are kept (false while the source's listener is closed). */
    this.accepting = true;
    /** While true, new handshakes get no answer (see holdHandshakes). */
    this.holding = false;
    /** @type {Set<import('node:net').Socket>} TCP connections whose handshake is being held */
    this.held = new Set();
    this.stalled = false;
    this.tooSlow = 0;
    this.connectionsTotal = 0;
    this.refused = 0;
    /** @type {null | { url: string|undefined, protocols: string[], headers: Record<string, unknown> }} */
    this.lastHandshake = null;
    /** @type {Set<import('node:net').Socket>} TCP connections upgraded on /ws, until they close */
    this.wsTcp = new Set();
    this.wireBytesClosed = 0;
    // autoPong off: pongs are sent by hand so a stalled client gets none.
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      autoPong: false,
      perMessageDeflate: deflate ? { ...UVICORN_DEFLATE } : false,
      handleProtocols: selectProtocol ?? (() => false),
    });
  }

  get size() {
    return this.clients.size;
  }

  /**
   * Bytes written to the TCP connections of `/ws` since the hub was created: handshake answers, frame
   * headers and payloads as they went on the wire (compressed when permessage-deflate was negotiated),
   * close frames. Connections still open count what they wrote so far.
   */
  get wireBytesOut() {
    let n = this.wireBytesClosed;
    for (const socket of this.wsTcp) n += socket.bytesWritten;
    return n;
  }

  /** Handles an HTTP upgrade on `/ws` (anything else gets a 404: a source that forwards other paths routes them first). */
  upgrade(req, socket, head) {
    socket.on('error', () => {});
    if (this.holding) {
      this.held.add(socket);
      socket.on('close', () => this.held.delete(socket));
      return;
    }
    const raw = req.headers['sec-websocket-protocol'];
    const protocols = raw
      ? String(raw)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
    if (this.keepHandshake) this.lastHandshake = { url: req.url, protocols, headers: { ...req.headers } };
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wsTcp.add(socket);
    socket.once('close', () => {
      this.wireBytesClosed += socket.bytesWritten;
      this.wsTcp.delete(socket);
    });
    this.wss.handleUpgrade(req, socket, head, (ws) => this._connected(ws, socket, url, protocols));
  }

  _connected(ws, socket, url, protocols) {
    ws.on('error', () => {});
    if (!this.accepting) {
      ws.terminate();
      return;
    }
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    const no = this.refuse(url, protocols);
    if (no) {
      this.refused += 1;
      ws.close(no.code, no.reason);
      return;
    }
    const c = new HubClient(ws, socket, ++this.connectionsTotal);
    // Kimi Proxy's order: join the broadcast set first, then (only with an active session) init.
    this.clients.add(c);
    ws.on('close', () => this.clients.delete(c));
    ws.on('ping', (data) => {
      if (!c.stalled) ws.pong(data);
    });
    ws.on('message', (data, isBinary) => this.onMessage(c, /** @type {Buffer} */ (data), isBinary));
    const init = this.initFrame();
    if (init) ws.send(init);
  }

  /** @param {string|Buffer} data text, or bytes sent as a binary frame @returns {number} clients sent to */
  broadcast(data) {
    const binary = typeof data !== 'string';
    let n = 0;
    for (const c of this.clients) {
      if (!c.receiving) continue;
      if (c.ws.bufferedAmount > this.sendBufferMax) {
        this.tooSlow += 1;
        this.clients.delete(c);
        c.ws.close(1013, `client too slow: send buffer over ${Math.round(this.sendBufferMax / 1048576)} MiB`);
        continue;
      }
      if (binary) c.ws.send(data, { binary: true });
      else c.ws.send(data);
      n += 1;
    }
    return n;
  }

  /** Whether a receiving client has more than HIGH_WATER buffered (a generator should hold back). */
  congested() {
    for (const c of this.clients) if (c.receiving && c.ws.bufferedAmount > HIGH_WATER) return true;
    return false;
  }

  /** Resolves once every receiving client is at or under HIGH_WATER. */
  async drained() {
    for (const c of this.clients) if (c.receiving && c.ws.bufferedAmount > HIGH_WATER) await waitDrain(c);
  }

  /**
   * Closes all current connections: abruptly (1006 on the client) or with a close handshake.
   * @param {{ code?: number, reason?: string }} [o]
   * @returns {number} connections dropped
   */
  drop({ code, reason = 'dropped' } = {}) {
    const clients = [...this.clients];
    this.stalled = false;
    for (const c of clients) {
      if (code === undefined) {
        this.clients.delete(c);
        c.ws.terminate();
      } else {
        if (c.stalled) {
          c.stalled = false;
          c.ws.resume();
        } // else the close reply is never read
        c.ws.close(code, reason);
      }
    }
    return clients.length;
  }

  /**
   * Half-open connections for the current clients: nothing sent, nothing read, no pongs, no close.
   * @param {boolean} on
   */
  stall(on) {
    this.stalled = Boolean(on);
    for (const c of this.clients) {
      if (this.stalled && !c.stalled) {
        c.stalled = true;
        c.ws.pause();
      } else if (!this.stalled && c.stalled) {
        c.stalled = false;
        c.ws.resume();
      }
    }
  }

  /**
   * A server that hangs during the handshake: while on, new connections are accepted at the TCP level
   * but never answered. Off: held ones are dropped.
   * @param {boolean} on
   */
  holdHandshakes(on) {
    this.holding = Boolean(on);
    if (!this.holding) this._dropHeld();
  }

  _dropHeld() {
    for (const socket of this.held) socket.destroy();
    this.held.clear();
  }

  /** Every connection ends at once (held handshakes and refused sockets included); the hub stays usable. */
  close() {
    this._dropHeld();
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
    this.clients.clear();
    this.stalled = false;
  }
}
