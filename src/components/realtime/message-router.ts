import { KimiMessageEvent } from '../../events/kimi-message-event.js';
import type { KimiErrorDetail } from '../../events/kimi-error-event.js';
import { KNOWN_MESSAGE_TYPES, RESERVED_EVENT_TYPES } from '../../protocol/known-types.js';
import type { KimiMessage } from '../../protocol/messages.js';
import { FrameProblem, excerptOf, parseFrame } from '../../protocol/parse-frame.js';
import type { SessionFilter } from '../../protocol/session-filter.js';
import { RELAY_HYDRATION_TYPE } from '../../protocol/relay.js';
import { utf8Length } from '../../connection/connection-metrics.js';

/** Reports of one kind are made once per key, up to this many distinct keys (the set stays bounded). */
const MAX_REPORTED = 64;

/**
 * The per-frame path of one element, after the socket parsed the frame: follow the active session,
 * filter, dispatch `kimi:<type>` and `kimi:message` on the target. Other sessions' frames are counted and dropped before any event
 * object exists. Nothing here logs unless `debug` is on.
 *
 * Every frame is counted exactly once in `delivered`, `filtered` or `malformed`, so
 * `received === delivered + filtered + malformed` always holds.
 */
export class MessageRouter {
  received = 0;
  /** Messages dispatched as events. */
  delivered = 0;
  /** Messages dropped on purpose: other sessions' ones, and `pong` replies while pinging. */
  filtered = 0;
  /** Frames dropped as unreadable: not a JSON object with a string `type`, or a session reference that is not an id. */
  malformed = 0;
  /** Bytes received: text frames in UTF-8 (as on the wire, before any compression), binary ones as they are. */
  bytesIn = 0;
  debug = false;
  /** Runs after `kimi:<type>` while the message still belongs to the shown session (usage readings). */
  afterDispatch: ((message: KimiMessage, bytes: number) => void) | null = null;
  /** The last `relay_seq` received (frames through a Kimi relay are numbered), or null. */
  relaySeq: number | null = null;
  /** Through a relay: its hydration frames become the element's hydration instead of events of their own. */
  onRelayHydration: ((message: KimiMessage) => void) | null = null;
  private readonly reported = new Set<string>();

  constructor(
    private readonly target: EventTarget,
    private readonly filter: SessionFilter,
    private readonly onError: (detail: KimiErrorDetail) => void,
    private readonly onSessionFollowed: () => void,
  ) {}

  /** Parses a frame and takes it (a frame handed over without a socket: tests, tools). */
  route(data: unknown): void {
    this.take(parseFrame(data), typeof data === 'string' ? utf8Length(data) : 0);
  }

  /** A frame the socket received and parsed once for all its elements, that is not for this one. */
  skip(bytes: number): void {
    this.received++;
    this.filtered++;
    this.bytesIn += bytes;
  }

  /** A frame the socket received and parsed (once, for all its elements), with its size. */
  take(parsed: KimiMessage | FrameProblem, bytes: number): void {
    this.received++;
    this.bytesIn += bytes;
    let message = parsed;
    if (message instanceof FrameProblem) {
      const { kind, excerpt, recovered } = message;
      this.onError({ kind, message: message.message, excerpt, recovered: recovered !== null });
      if (recovered === null) {
        this.malformed++;
        return;
      }
      message = recovered;
    }
    // One property read per frame; the relay replays from this number after a reconnect.
    const seq = (message as { relay_seq?: unknown }).relay_seq;
    if (typeof seq === 'number') this.relaySeq = seq;
    const filter = this.filter;
    if (filter.observe(message)) this.onSessionFollowed();
    const verdict = filter.classify(message);
    const type = message.type;
    if (verdict !== 'pass') {
      if (verdict === 'invalid') {
        this.malformed++;
        this.report('id', type, 'invalid-session-id', 'its session id is not a string or a finite number; dropped', false);
      } else {
        this.filtered++;
      }
      return;
    }
    this.delivered++;
    if (type === RELAY_HYDRATION_TYPE && this.onRelayHydration !== null) {
      this.onRelayHydration(message);
      return;
    }
    // eslint-disable-next-line no-console
    if (this.debug) console.debug('[kimi-realtime] message', message);
    const version = filter.version;
    if (RESERVED_EVENT_TYPES.has(type)) {
      this.report('reserved', type, 'reserved-type', `it would pass for the element's own kimi:${excerptOf(type)} event; delivered as kimi:message only`);
    } else {
      if (!KNOWN_MESSAGE_TYPES.has(type)) this.report('unknown', type, 'unknown-type', `the type is unknown; delivered as kimi:${excerptOf(type)} anyway`);
      this.target.dispatchEvent(new KimiMessageEvent(`kimi:${type}`, message));
    }
    // A listener may have switched sessions meanwhile (the filter moved): then the frame no longer
    // belongs to what is shown and stops here. Unmoved, this is one comparison per step.
    if (filter.version !== version && !filter.accepts(message)) return;
    if (this.afterDispatch) {
      this.afterDispatch(message, bytes);
      if (filter.version !== version && !filter.accepts(message)) return;
    }
    this.target.dispatchEvent(new KimiMessageEvent('kimi:message', message));
  }

  /** Reports a problem with messages of `type`, once per group and type, for at most MAX_REPORTED of them. */
  private report(group: string, type: string, kind: KimiErrorDetail['kind'], what: string, recovered = true): void {
    const shown = excerptOf(type);
    const key = `${group}:${shown}`;
    if (this.reported.has(key) || this.reported.size >= MAX_REPORTED) return;
    this.reported.add(key);
    this.onError({ kind, message: `A message of type "${shown}": ${what}. Reported once per type.`, excerpt: shown, recovered });
  }
}
