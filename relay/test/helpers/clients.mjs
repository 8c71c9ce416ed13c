// Node `ws` viewers of a relay room, recording every frame they receive.
import WebSocket from 'ws';

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check()` is truthy; fails with `what` after `timeout` ms. */
export async function until(check, what, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Parses a frame as the element would (bare NaN/Infinity read as null); `{ unreadable }` otherwise. */
export function readFrame(text) {
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(text.replace(/-?\bInfinity\b|\bNaN\b/g, 'null'));
    } catch {
      return { unreadable: text };
    }
  }
}

/**
 * A viewer: connects to `url` (plus `?since=` of the last `relay_seq` seen when `resume` is on) and
 * keeps every text frame, parsed, in `frames`.
 */
export class Viewer {
  constructor(url, { protocols, resume = true } = {}) {
    this.url = url;
    this.protocols = protocols;
    this.resume = resume;
    this.frames = [];
    this.texts = [];
    /** For each frame: which connection (1, 2, …) brought it, and the `since` that connection asked from. */
    this.arrivals = [];
    this.lastSeq = null;
    this.closes = [];
    this.ws = null;
  }

  /** Opens (or reopens) the connection; resolves on open, rejects with the close code when refused. */
  connect() {
    const url = new URL(this.url);
    if (this.resume && this.lastSeq !== null) url.searchParams.set('since', String(this.lastSeq));
    const ws = new WebSocket(url.href, this.protocols, { perMessageDeflate: false });
    this.ws = ws;
    this.connects = (this.connects ?? 0) + 1;
    ws.on('message', (data, isBinary) => {
      // A socket being closed can still deliver; what it delivers after we moved on is not counted
      // (the new connection's `since` did not include it, so it is replayed there).
      if (ws !== this.ws) return;
      if (isBinary) throw new Error('a viewer received a binary frame');
      const text = String(data);
      this.texts.push(text);
      const frame = readFrame(text);
      this.frames.push(frame);
      this.arrivals.push({ connection: this.connects, since: url.searchParams.get('since') });
      if (typeof frame.relay_seq === 'number') this.lastSeq = frame.relay_seq;
    });
    return new Promise((resolve, reject) => {
      let opened = false;
      ws.once('open', () => {
        opened = true;
        resolve(ws);
      });
      ws.on('close', (code, reason) => {
        this.closes.push({ code, reason: String(reason) });
        if (!opened) reject(Object.assign(new Error(`closed ${code} ${reason}`), { code, reason: String(reason) }));
      });
      ws.on('error', (error) => {
        if (!opened) reject(error);
      });
    });
  }

  /** Resolves with the close {code, reason} the relay sent right after the handshake. */
  async refusal() {
    await this.connect().catch(() => {});
    await until(() => this.closes.length > 0, 'the refusal close');
    return this.closes[0];
  }

  send(message) {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Drops the connection without a close handshake (what a network failure looks like). */
  drop() {
    this.ws.terminate();
  }

  close() {
    this.ws?.close();
  }

  of(type) {
    return this.frames.filter((f) => f.type === type);
  }
}
