// Dedicated blast server for the benchmark: a `ws` server on 127.0.0.1 that sends metric_updated
// frames shaped like Kimi Proxy's, alternating sessions 1 and 2, with a sequence number and a send
// stamp. Respects backpressure so memory stays flat. Can restart to measure reconnection.
import { WebSocketServer } from 'ws';
import { createServer } from 'node:http';

const PAD = 'x'.repeat(700);
const CRITICAL = '{"level":"critical","color":"#ef4444","message":"⚠️ CONTEXTE CRITIQUE (95%)"}';
const WARNING = '{"level":"warning","color":"#f97316","message":"⚠️ CONTEXTE ÉLEVÉ (90%)"}';
const CAUTION = '{"level":"caution","color":"#eab308","message":"⚡ Attention (80%)"}';

/** One frame, ~260 B (small) or ~1 KB (medium), exactly the shape Kimi Proxy sends plus seq/sent_at. */
export function blastFrame(seq, size) {
  const session = seq % 2 === 0 ? 1 : 2;
  // Usage sweeps 0–100 % so threshold alerts (≥ 80 %) come with about one frame in five.
  const pct = ((seq >> 1) % 1000) / 10 + 0.0137;
  const total = Math.round((pct * 262144) / 100);
  const alert = pct >= 95 ? CRITICAL : pct >= 90 ? WARNING : pct >= 80 ? CAUTION : 'null';
  const sentAt = performance.timeOrigin + performance.now();
  const pad = size === 'medium' ? `,"content_preview":"${PAD}"` : '';
  return `{"type":"metric_updated","metric_id":${seq},"session_id":${session},"real_tokens":{"total":${total},"prompt":${total - 600},"completion":600,"percentage":${pct}},"cumulative_tokens":${total},"cumulative_percentage":${pct},"alert":${alert},"source":"proxy","seq":${seq},"sent_at":${sentAt}${pad}}`;
}

export class Blaster {
  constructor() {
    this.clients = new Set();
  }

  async start(port = 0) {
    this.http = createServer((req, res) => res.writeHead(426).end());
    this.wss = new WebSocketServer({ server: this.http, path: '/ws', perMessageDeflate: false });
    this.wss.on('connection', (socket) => {
      this.clients.add(socket);
      socket.on('close', () => this.clients.delete(socket));
      socket.on('error', () => this.clients.delete(socket));
    });
    await new Promise((resolve) => this.http.listen(port, '127.0.0.1', resolve));
    this.port = this.http.address().port;
    this.url = `ws://127.0.0.1:${this.port}/ws`;
    return this;
  }

  /** Resolves when every client has connected count is reached. */
  async waitForClients(n, timeout = 10_000) {
    const end = Date.now() + timeout;
    while (this.clients.size < n) {
      if (Date.now() > end) throw new Error(`expected ${n} clients, have ${this.clients.size}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Sends `count` frames, at `rate` frames/s (0 = as fast as backpressure allows). */
  async blast({ count, size = 'small', rate = 0 }) {
    const started = performance.now();
    let seq = 0;
    while (seq < count) {
      let due = count;
      if (rate > 0) {
        due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
        if (due <= seq) {
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
      }
      const batchEnd = Math.min(due, seq + 256);
      for (; seq < batchEnd; seq++) {
        const frame = blastFrame(seq, size);
        for (const socket of this.clients) socket.send(frame);
      }
      await this.drain();
    }
    return { sent: count, seconds: (performance.now() - started) / 1000 };
  }

  async drain() {
    for (const socket of this.clients) {
      while (socket.readyState === 1 && socket.bufferedAmount > 1 << 20) await new Promise((r) => setTimeout(r, 1));
    }
    await new Promise((r) => setImmediate(r));
  }

  /** Drops every client and refuses connections for `downMs`, then listens again on the same port. Returns the drop time (epoch ms). */
  async restart(downMs) {
    const droppedAt = performance.timeOrigin + performance.now();
    for (const socket of this.clients) socket.terminate();
    this.clients.clear();
    await new Promise((resolve) => {
      this.http.closeAllConnections?.();
      this.wss.close();
      this.http.close(resolve);
    });
    await new Promise((r) => setTimeout(r, downMs));
    await this.start(this.port);
    return droppedAt;
  }

  /** Sends one frame every `everyMs` until `stop()` is called (used after a restart). */
  trickle(everyMs = 5) {
    let seq = 0;
    const timer = setInterval(() => {
      const frame = blastFrame(seq++ * 2, 'small');
      for (const socket of this.clients) socket.send(frame);
    }, everyMs);
    return () => clearInterval(timer);
  }

  async close() {
    for (const socket of this.clients) socket.terminate();
    await new Promise((resolve) => {
      this.http.closeAllConnections?.();
      this.wss.close();
      this.http.close(() => resolve());
    });
  }
}
