import { RingBuffer } from '../internal/ring-buffer.js';

/** One loss of an open connection. */
export interface KimiReconnect {
  /** Epoch ms of the close. */
  at: number;
  code: number;
  reason: string;
  /** ms until the connection was open again; null while it is not. */
  downtimeMs: number | null;
}

/** How the socket of a `<kimi-realtime>` is doing (`stats.connection`). */
export interface KimiConnectionMetrics {
  /** ms from `new WebSocket` to open, for the current (or last) connection; null before the first. */
  handshakeMs: number | null;
  /** ms from open to the first frame of the current (or last) connection; null until one came. */
  firstFrameMs: number | null;
  /** Frames and UTF-8 bytes received per second over the last 10 s (1 s steps). */
  framesPerSecond: number;
  bytesPerSecond: number;
  /** Frames received in each of the last 30 whole seconds, oldest first. */
  frameRates: number[];
  /** Share of the time since the socket started that it was open, 0–1. */
  uptimeRatio: number;
  /** The last 10 losses of an open connection, oldest first. */
  reconnects: KimiReconnect[];
  /** Round trip of the last answered ping (`ping-interval`, server answering `pong`), ms; else null. */
  rttMs: number | null;
  /** The extensions the server accepted (`permessage-deflate; …`), "" for none. */
  extensions: string;
  /** The subprotocol the server selected, "" for none. */
  protocol: string;
  /** Frames and UTF-8 bytes the socket received since it started (all its elements together). */
  frames: number;
  bytes: number;
  /** Elements of this page on the socket. */
  sharedBy: number;
  /** Whether this tab holds the socket (`this-tab`), or another tab does and passes its frames on. */
  heldBy: 'this-tab' | 'another-tab';
}

const WINDOW_S = 10;
const HISTORY_S = 30;
const KEPT_RECONNECTS = 10;

const encoder = new TextEncoder();
/** Text up to this many UTF-16 units is measured by encoding it into a reused buffer (3 bytes per unit at most). */
const SCRATCH_UNITS = 64 * 1024;
let scratch = new Uint8Array(0);

/**
 * UTF-8 length of a string as the browser received it (a WebSocket text frame is valid UTF-8, so it
 * holds no lone surrogate). Per frame: `TextEncoder.encodeInto` into a buffer kept between calls,
 * the fastest exact count measured (no allocation, one native pass; a regular-expression scan
 * for non-ASCII text plus a copy without the ASCII runs cost 2–4× more, and showed in the profile of
 * the benchmark page: see BENCHMARKS.md). Longer text is encoded once (its copy is dropped at once;
 * the kept buffer stays at most 192 KB).
 */
export function utf8Length(text: string): number {
  if (text.length > SCRATCH_UNITS) return encoder.encode(text).length;
  if (scratch.length < text.length * 3) scratch = new Uint8Array(Math.max(text.length * 3, 4096));
  return encoder.encodeInto(text, scratch).written;
}

/**
 * The figures behind `KimiConnectionMetrics`. Per frame only two additions and one comparison; the
 * rates come from a sample taken once a second while the socket lives.
 */
export class ConnectionMetrics {
  frames = 0;
  bytes = 0;
  /** performance.now() of the open still waiting for its first frame, else -1. */
  awaitingFirstSince = -1;
  handshakeMs: number | null = null;
  firstFrameMs: number | null = null;
  rttMs: number | null = null;
  extensions = '';
  protocol = '';
  private readonly samples = new RingBuffer<{ at: number; frames: number; bytes: number }>(HISTORY_S + 1);
  private readonly log = new RingBuffer<KimiReconnect>(KEPT_RECONNECTS);
  private startedAt = 0;
  private attemptAt = 0;
  private openSince = -1;
  private openTotal = 0;
  private ping = { id: -1, at: 0 };

  start(): void {
    this.startedAt = performance.now();
    this.sample();
  }

  /** Once a second while the socket lives. */
  sample(): void {
    this.samples.push({ at: performance.now(), frames: this.frames, bytes: this.bytes });
  }

  /** The socket is being created now (its target is known). */
  attempt(): void {
    this.attemptAt = performance.now();
  }

  opened(extensions: string, protocol: string): void {
    const now = performance.now();
    this.handshakeMs = Math.round(now - this.attemptAt);
    this.openSince = this.awaitingFirstSince = now;
    this.firstFrameMs = null;
    this.extensions = extensions;
    this.protocol = protocol;
    const last = this.log.last;
    if (last && last.downtimeMs === null) last.downtimeMs = Date.now() - last.at;
  }

  /** Counts a received frame; returns its size in bytes (text in UTF-8, binary as it is). */
  count(data: unknown): number {
    const bytes = typeof data === 'string' ? utf8Length(data) : ((data as ArrayBuffer | null)?.byteLength ?? 0);
    this.frames++;
    this.bytes += bytes;
    if (this.awaitingFirstSince >= 0) this.firstFrame();
    return bytes;
  }

  firstFrame(): void {
    this.firstFrameMs = Math.round(performance.now() - this.awaitingFirstSince);
    this.awaitingFirstSince = -1;
  }

  closed(code: number, reason: string, wasOpen: boolean): void {
    this.awaitingFirstSince = -1;
    if (!wasOpen) return;
    this.openTotal += performance.now() - this.openSince;
    this.openSince = -1;
    this.log.push({ at: Date.now(), code, reason, downtimeMs: null });
  }

  pingSent(id: number): void {
    this.ping = { id, at: performance.now() };
  }

  /** A `pong`: echoes the ping's id (`echo`, or `id`). */
  pong(message: { echo?: unknown; id?: unknown }): void {
    if ((message.echo ?? message.id) === this.ping.id) this.rttMs = Math.round((performance.now() - this.ping.at) * 10) / 10;
  }

  snapshot(sharedBy: number, heldBy: KimiConnectionMetrics['heldBy']): KimiConnectionMetrics {
    const now = performance.now();
    const samples = this.samples.toArray();
    // The oldest sample inside the window, against the live counters.
    const from = samples.find((s) => now - s.at <= WINDOW_S * 1000 + 500) ?? samples.at(-1);
    const seconds = from ? (now - from.at) / 1000 : 0;
    const rate = (n: number) => (seconds >= 0.5 ? Math.round((n / seconds) * 10) / 10 : 0);
    const frameRates: number[] = [];
    for (let i = 1; i < samples.length; i++) frameRates.push(samples[i]!.frames - samples[i - 1]!.frames);
    const lived = now - this.startedAt;
    const open = this.openTotal + (this.openSince >= 0 ? now - this.openSince : 0);
    return {
      handshakeMs: this.handshakeMs,
      firstFrameMs: this.firstFrameMs,
      framesPerSecond: rate(this.frames - (from?.frames ?? this.frames)),
      bytesPerSecond: rate(this.bytes - (from?.bytes ?? this.bytes)),
      frameRates,
      uptimeRatio: lived > 0 ? Math.min(1, open / lived) : 0,
      reconnects: this.log.toArray().map((r) => ({ ...r })),
      rttMs: this.rttMs,
      extensions: this.extensions,
      protocol: this.protocol,
      frames: this.frames,
      bytes: this.bytes,
      sharedBy,
      heldBy,
    };
  }
}
