import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { replaceNonFiniteTokens } from '../../src/protocol/parse-frame.js';
import { hydrationFrom, sessionApiUrl } from '../../src/protocol/hydration.js';
import { sessionIdOf } from '../../src/protocol/session-filter.js';
import { capText } from '../../src/protocol/text.js';
import { checkSecret, signToken } from './token.js';
import { HYDRATION_TYPE, REPLY_TYPES, type RoomControl, type UplinkControl } from './wire.js';

/**
 * The uplink runs next to Kimi Proxy: it reads its `/ws` (and `GET /api/sessions/{id}` for
 * hydration) and holds one authenticated connection to the relay room. Frames go up in order and
 * are kept until the room acknowledges them, so a relay reconnect resends exactly what the room did
 * not store; viewers' commands come down, and each reply goes back to the viewer that asked only.
 */

export interface UplinkOptions {
  /** Kimi Proxy's WebSocket, e.g. `ws://127.0.0.1:8000/ws`. */
  kimiUrl: string;
  /** The room, e.g. `wss://relay.example.workers.dev/parties/main/my-proxy`. */
  relayUrl: string;
  /** The relay's uplink secret (signs a short-lived token per connection; never sent itself). */
  uplinkSecret: string;
  /** Kimi Proxy's HTTP origin; default: the origin of `kimiUrl`. */
  httpUrl?: string;
  /** Frames kept until the room acknowledges them (default 50,000); beyond, the oldest are dropped and counted. */
  bufferLimit?: number;
  /** Reconnect delays, ms (doubling with jitter from `min` to `max`). */
  reconnectMin?: number;
  reconnectMax?: number;
  /** Status lines (never frames, never tokens). Default: none. */
  log?: (line: string) => void;
}

export interface UplinkStats {
  /** Frames read from Kimi Proxy (replies included). */
  fromKimi: number;
  /** Frames produced for the room (Kimi frames that are not replies, and hydrations). */
  produced: number;
  /** Frames sent again after a relay reconnect. */
  resent: number;
  /** Frames dropped because the buffer was full while the room was unreachable. */
  dropped: number;
  commands: number;
  replies: number;
  hydrations: number;
  /** Hydrations refused: an id that is not a session number (never asked), or an answer that is not for the session asked. */
  hydrationsRefused: number;
  kimiConnects: number;
  relayConnects: number;
}

/** Replies waited for at most this long, and this many at once. */
const PENDING_TTL_MS = 5 * 60_000;
const PENDING_MAX = 1000;
/** Past this many buffered bytes toward the relay, wait for the socket to drain. */
const HIGH_WATER = 4 << 20;
/** A batch toward the room holds at most this many frames, and about this many characters. */
const BATCH_FRAMES = 256;
const BATCH_BYTES = 256 * 1024;
/** Close codes after which reconnecting cannot help. */
const FATAL_RELAY_CODES = new Map([
  [4401, 'the relay refused the uplink secret'],
  [4403, 'the uplink token is for another room'],
  [4409, 'another uplink took over this room'],
]);

/** Prefix of the request ids the uplink puts on commands. */
const REQUEST_PREFIX = 'kimi-relay:';

interface Pending {
  from: string;
  requestId: unknown;
  replyType: string;
  at: number;
}

export function roomOf(relayUrl: string): string {
  const match = /\/parties\/[^/]+\/([^/?#]+)/.exec(new URL(relayUrl).pathname);
  if (!match) throw new TypeError('relayUrl must look like wss://<host>/parties/main/<room>');
  return decodeURIComponent(match[1]!);
}

export class Uplink {
  readonly epoch = randomBytes(9).toString('base64url');
  readonly stats: UplinkStats = {
    fromKimi: 0,
    produced: 0,
    resent: 0,
    dropped: 0,
    commands: 0,
    replies: 0,
    hydrations: 0,
    hydrationsRefused: 0,
    kimiConnects: 0,
    relayConnects: 0,
  };
  /** Why the uplink stopped by itself (a refusal no reconnect can fix), or null. */
  fatal: string | null = null;

  private readonly room: string;
  private readonly httpUrl: string;
  private readonly bufferLimit: number;
  private readonly log: (line: string) => void;
  private kimi: WebSocket | null = null;
  private relay: WebSocket | null = null;
  /** Frames [bufferStart, produced) not yet acknowledged; `buffer[i - bufferStart]`. */
  private buffer: string[] = [];
  private bufferHead = 0;
  private bufferStart = 0;
  private produced = 0;
  /** Next frame index to send on the current relay connection; -1 until the room said where to start. */
  private sendIndex = -1;
  private waitingForDrain = false;
  private flushScheduled = false;
  private readonly pending = new Map<string, Pending>();
  private readonly hydrating = new Set<string>();
  private nextRequest = 0;
  private stopped = true;
  /** Kimi Proxy (re)connected while the room was unreachable: tell it after the welcome. */
  private sourceOpened = false;
  private kimiAttempt = 0;
  private relayAttempt = 0;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly options: UplinkOptions) {
    checkSecret(options.uplinkSecret, 'uplinkSecret');
    this.room = roomOf(options.relayUrl);
    const kimi = new URL(options.kimiUrl);
    this.httpUrl = (options.httpUrl ?? `${kimi.protocol === 'wss:' ? 'https:' : 'http:'}//${kimi.host}`).replace(/\/$/, '');
    this.bufferLimit = options.bufferLimit ?? 50_000;
    this.log = options.log ?? (() => {});
  }

  get kimiOpen(): boolean {
    return this.kimi?.readyState === WebSocket.OPEN;
  }

  get relayReady(): boolean {
    return this.relay?.readyState === WebSocket.OPEN && this.sendIndex >= 0;
  }

  /** Frames waiting for the room's acknowledgement. */
  get buffered(): number {
    return this.produced - this.bufferStart;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connectKimi();
    void this.connectRelay();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.kimi?.terminate();
    this.relay?.terminate();
    this.kimi = this.relay = null;
  }

  /** Drops the relay connection abruptly (tests: an uplink reconnect); it reconnects by itself. */
  dropRelay(): void {
    this.relay?.terminate();
  }

  // ---- Kimi Proxy side ------------------------------------------------------------------------

  private connectKimi(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.options.kimiUrl, { perMessageDeflate: false });
    this.kimi = ws;
    ws.on('open', () => {
      this.kimiAttempt = 0;
      this.stats.kimiConnects++;
      this.log(`connected to Kimi Proxy ${this.options.kimiUrl}`);
      // Told now, or after the next welcome if the room is not reachable at the moment.
      this.sourceOpened = !this.relayReady;
      this.control({ relay: 'source', open: true });
    });
    ws.on('message', (data, isBinary) => {
      this.stats.fromKimi++;
      // Kimi Proxy only sends text (PROTOCOL.md §1); a binary frame has no meaning to relay.
      if (!isBinary) this.fromKimi(data.toString());
    });
    ws.on('close', () => {
      if (this.kimi !== ws) return;
      this.kimi = null;
      this.control({ relay: 'source', open: false });
      this.failPending('Kimi Proxy disconnected before it replied');
      this.later(() => this.connectKimi(), this.delay(++this.kimiAttempt));
    });
    ws.on('error', (error) => this.log(`Kimi Proxy connection: ${error.message}`));
  }

  private fromKimi(text: string): void {
    // Replies are rare; a substring test keeps the parse off the path of every other frame.
    if (text.includes('_response"') && this.routeReply(text)) return;
    this.produce(text);
  }

  private routeReply(text: string): boolean {
    let reply: { type?: unknown; requestId?: unknown };
    try {
      reply = JSON.parse(text) as typeof reply;
    } catch {
      return false;
    }
    if (typeof reply?.requestId !== 'string') return false;
    const pending = this.pending.get(reply.requestId);
    if (!pending || reply.type !== pending.replyType) {
      // A late reply to one of ours (its viewer was already answered): it belongs to nobody else.
      return reply.requestId.startsWith(REQUEST_PREFIX);
    }
    this.pending.delete(reply.requestId);
    this.stats.replies++;
    this.control({ relay: 'reply', to: pending.from, frame: restoreRequestId(text, reply.requestId, pending.requestId) });
    return true;
  }

  private command(from: string, frame: string): void {
    let command: Record<string, unknown>;
    try {
      command = JSON.parse(frame) as Record<string, unknown>;
    } catch {
      return;
    }
    const replyType = typeof command?.type === 'string' ? REPLY_TYPES.get(command.type) : undefined;
    if (!replyType) return;
    this.stats.commands++;
    const requestId = Object.hasOwn(command, 'requestId') ? command['requestId'] : null;
    if (!this.kimiOpen) {
      this.control({
        relay: 'reply',
        to: from,
        frame: JSON.stringify({ type: replyType, requestId, error: 'Kimi relay: the uplink is not connected to Kimi Proxy; the command was not delivered.' }),
      });
      return;
    }
    // One socket carries every viewer's commands: our own id tells the replies apart.
    const id = `${REQUEST_PREFIX}${this.epoch}:${++this.nextRequest}`;
    this.expirePending();
    this.pending.set(id, { from, requestId, replyType, at: Date.now() });
    command['requestId'] = id;
    this.kimi!.send(JSON.stringify(command));
  }

  private expirePending(): void {
    const now = Date.now();
    for (const [id, p] of this.pending) {
      if (this.pending.size < PENDING_MAX && now - p.at < PENDING_TTL_MS) break;
      this.pending.delete(id);
    }
  }

  private failPending(reason: string): void {
    for (const p of this.pending.values()) {
      this.control({ relay: 'reply', to: p.from, frame: JSON.stringify({ type: p.replyType, requestId: p.requestId, error: `Kimi relay: ${reason}.` }) });
    }
    this.pending.clear();
  }

  /**
   * Asks Kimi Proxy for a session's state and sends the answer up. The element's rule
   * (src/protocol/hydration.ts): only a whole-number id becomes part of the address (`".."` would ask
   * `/api/`), and an answer for another session is refused, not passed on as this one's.
   */
  private async hydrate(asked: string): Promise<void> {
    const session = sessionIdOf(asked);
    let url: string;
    try {
      if (typeof session !== 'string') throw new Error('it is not a session id');
      url = sessionApiUrl(this.httpUrl, session, this.httpUrl);
    } catch (error) {
      this.stats.hydrationsRefused++;
      this.log(`hydration of session ${JSON.stringify(capText(asked, 40))} refused: ${(error as Error).message}`);
      return;
    }
    if (this.hydrating.has(session) || this.hydrating.size >= 32) return;
    this.hydrating.add(session);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const text = await response.text();
      if (!response.ok) {
        this.log(`hydration of session ${session}: HTTP ${response.status}`);
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        const repaired = replaceNonFiniteTokens(text);
        body = repaired === null ? null : JSON.parse(repaired);
      }
      try {
        hydrationFrom(session, body, Date.now());
      } catch (error) {
        this.stats.hydrationsRefused++;
        this.log(`hydration of session ${session} refused: ${(error as Error).message}`);
        return;
      }
      const { type: _type, session_id: _id, ...rest } = body as Record<string, unknown>;
      this.stats.hydrations++;
      this.produce(JSON.stringify({ type: HYDRATION_TYPE, session_id: session.length <= 15 ? Number(session) : session, ...rest }));
    } catch (error) {
      this.log(`hydration of session ${session}: ${(error as Error).message}`);
    } finally {
      this.hydrating.delete(session);
    }
  }

  // ---- relay side -----------------------------------------------------------------------------

  private async connectRelay(): Promise<void> {
    if (this.stopped) return;
    const token = await signToken(
      { v: 1, role: 'uplink', room: this.room, sessions: '*', exp: Math.floor(Date.now() / 1000) + 300 },
      this.options.uplinkSecret,
    );
    if (this.stopped) return;
    const ws = new WebSocket(this.options.relayUrl, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    this.relay = ws;
    this.sendIndex = -1;
    ws.on('open', () => {
      this.relayAttempt = 0;
      this.stats.relayConnects++;
      this.log(`connected to relay room ${this.room}`);
      this.control({ relay: 'hello', epoch: this.epoch, produced: this.produced }, true);
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.fromRoom(data.toString());
    });
    ws.on('close', (code) => {
      if (this.relay !== ws) return;
      this.relay = null;
      this.sendIndex = -1;
      this.waitingForDrain = false;
      const fatal = FATAL_RELAY_CODES.get(code);
      if (fatal) {
        this.fatal = `${fatal} (close code ${code})`;
        this.log(`stopping: ${this.fatal}`);
        this.stop();
        return;
      }
      this.later(() => void this.connectRelay(), this.delay(++this.relayAttempt));
    });
    ws.on('error', (error) => this.log(`relay connection: ${error.message}`));
  }

  private fromRoom(text: string): void {
    let control: RoomControl;
    try {
      control = JSON.parse(text) as RoomControl;
    } catch {
      return;
    }
    switch (control.relay) {
      case 'welcome':
        this.forget(control.count);
        if (control.count < this.bufferStart) {
          // Frames the room never got and the buffer no longer holds (it overflowed while away).
          this.control({ relay: 'skip', count: this.bufferStart }, true);
          this.sendIndex = this.bufferStart;
        } else {
          this.sendIndex = Math.min(control.count, this.produced);
        }
        if (this.sendIndex < this.produced) this.stats.resent += this.produced - this.sendIndex;
        if (this.sourceOpened && this.kimiOpen) this.control({ relay: 'source', open: true });
        this.sourceOpened = false;
        this.flush();
        return;
      case 'ack':
        this.forget(control.count);
        return;
      case 'command':
        if (typeof control.from === 'string' && typeof control.frame === 'string') this.command(control.from, control.frame);
        return;
      case 'hydrate':
        if (typeof control.session === 'string' && control.session !== '') void this.hydrate(control.session);
        return;
    }
  }

  /** Adds a frame to the stream: buffered until acknowledged, sent with the next batch. */
  private produce(text: string): void {
    this.buffer.push(hasLineBreak(text) ? withoutLineBreaks(text) : text);
    this.produced++;
    this.stats.produced++;
    if (this.produced - this.bufferStart > this.bufferLimit) {
      this.forget(this.bufferStart + 1);
      this.stats.dropped++;
    }
    // Frames that arrive in the same turn of the event loop go up together: one message, one
    // storage transaction in the room.
    if (!this.flushScheduled && !this.waitingForDrain && this.sendIndex >= 0) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /**
   * Sends buffered frames from `sendIndex` in batches (frames joined by line breaks, which no frame
   * contains), stopping while the socket's buffer is full.
   */
  private flush(): void {
    const ws = this.relay;
    if (!ws || ws.readyState !== WebSocket.OPEN || this.sendIndex < 0 || this.waitingForDrain) return;
    if (this.sendIndex < this.bufferStart) this.sendIndex = this.bufferStart;
    while (this.sendIndex < this.produced) {
      const from = this.bufferHead + this.sendIndex - this.bufferStart;
      let to = from + 1;
      let size = this.buffer[from]!.length;
      const end = this.bufferHead + this.produced - this.bufferStart;
      while (to < end && to - from < BATCH_FRAMES && size + this.buffer[to]!.length < BATCH_BYTES) size += this.buffer[to++]!.length + 1;
      const text = to - from === 1 ? this.buffer[from]! : this.buffer.slice(from, to).join('\n');
      this.sendIndex += to - from;
      if (ws.bufferedAmount > HIGH_WATER) {
        // Resume once this batch is written out, so memory stays bounded by the buffer limit.
        this.waitingForDrain = true;
        ws.send(text, () => {
          if (this.relay !== ws) return;
          this.waitingForDrain = false;
          this.flush();
        });
        return;
      }
      ws.send(text);
    }
  }

  /** Frees frames before `count` (the room has them). */
  private forget(count: number): void {
    const upTo = Math.min(count, this.produced);
    if (upTo <= this.bufferStart) return;
    this.bufferHead += upTo - this.bufferStart;
    this.bufferStart = upTo;
    if (this.bufferHead > 4096 && this.bufferHead * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.bufferHead);
      this.bufferHead = 0;
    }
  }

  private control(message: UplinkControl, always = false): void {
    const ws = this.relay;
    if (!ws || ws.readyState !== WebSocket.OPEN || (!always && this.sendIndex < 0)) return;
    ws.send(Buffer.from(JSON.stringify(message)), { binary: true });
  }

  private delay(attempt: number): number {
    const min = this.options.reconnectMin ?? 250;
    const max = this.options.reconnectMax ?? 5000;
    const ceiling = Math.min(max, min * 2 ** Math.min(attempt - 1, 16));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private later(fn: () => void, ms: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}

function hasLineBreak(text: string): boolean {
  return text.includes('\n') || text.includes('\r');
}

/**
 * Batches separate frames with line breaks, so a frame must not contain one. In valid JSON a raw line
 * break can only be whitespace between tokens (inside strings it must be escaped), so it becomes a
 * space and the frame means the same. A frame that is not JSON keeps them as the two characters `\n`
 * and `\r` (it reaches only viewers of every session, who get a "not JSON" error for it either way).
 */
export function withoutLineBreaks(text: string): string {
  let json = true;
  try {
    JSON.parse(text);
  } catch {
    const repaired = replaceNonFiniteTokens(text);
    try {
      if (repaired === null) throw new Error('not JSON');
      JSON.parse(repaired);
    } catch {
      json = false;
    }
  }
  return json ? text.replace(/[\r\n]/g, ' ') : text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/**
 * Puts the asking viewer's `requestId` back into Kimi Proxy's reply without re-serializing it (the
 * frame keeps Kimi Proxy's exact format); falls back to a re-serialization if the text differs.
 */
export function restoreRequestId(text: string, ours: string, theirs: unknown): string {
  const original = JSON.stringify(theirs ?? null);
  const needle = `"requestId":${JSON.stringify(ours)}`;
  const at = text.indexOf(needle);
  if (at !== -1) return text.slice(0, at) + `"requestId":${original}` + text.slice(at + needle.length);
  const reply = JSON.parse(text) as Record<string, unknown>;
  reply['requestId'] = theirs ?? null;
  return JSON.stringify(reply);
}
