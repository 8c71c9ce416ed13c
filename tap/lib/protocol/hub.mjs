// The `/ws` side of the dashboard protocol for a protocol source (kimi-tap's observed traffic): the
// handshake on `/ws` only, permessage-deflate as uvicorn offers it, every connection joins the
// broadcast set and then gets `init` when a session is active (PROTOCOL.md §1), pongs to pings.
// Client messages are read and ignored, as Kimi Proxy ignores types it does not handle. A client that
// stops reading is closed with 1013 once its send buffer passes a bound, rather than buffered forever.
import { WebSocket, WebSocketServer } from 'ws';

export const SEND_BUFFER_MAX = 8 * 1024 * 1024;

export class SocketHub {
  /**
   * @param {{ initFrame: () => string|null, deflate?: boolean }} o
   */
  constructor({ initFrame, deflate = true }) {
    this.initFrame = initFrame;
    /** @type {Set<WebSocket>} */
    this.clients = new Set();
    this.tooSlow = 0;
    this.wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: deflate ? { threshold: 0 } : false });
  }

  /** Handles an HTTP upgrade on `/ws` (anything else gets a 404: a source that forwards other paths routes them first). */
  upgrade(req, socket, head) {
    socket.on('error', () => {});
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      this.clients.add(ws);
      ws.on('close', () => this.clients.delete(ws));
      const init = this.initFrame();
      if (init) ws.send(init);
    });
  }

  /** @param {string} text @returns {number} clients sent to */
  broadcast(text) {
    let n = 0;
    for (const ws of this.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount > SEND_BUFFER_MAX) {
        this.tooSlow += 1;
        this.clients.delete(ws);
        ws.close(1013, 'client too slow: send buffer over 8 MiB');
        continue;
      }
      ws.send(text);
      n += 1;
    }
    return n;
  }

  get size() {
    return this.clients.size;
  }

  close() {
    for (const ws of this.clients) ws.terminate();
    this.clients.clear();
  }
}
