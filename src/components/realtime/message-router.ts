import { KimiMessageEvent } from '../../events/kimi-message-event.js';
import type { KimiErrorDetail } from '../../events/kimi-error-event.js';
import { KNOWN_MESSAGE_TYPES, RESERVED_EVENT_TYPES } from '../../protocol/known-types.js';
import type { KimiMessage } from '../../protocol/messages.js';
import { FrameProblem, parseFrame } from '../../protocol/parse-frame.js';
import type { SessionFilter } from '../../protocol/session-filter.js';

/** Unknown types are reported once each, up to this many distinct types. */
const MAX_REPORTED_UNKNOWN = 64;

/**
 * The per-frame path: parse, follow the active session, filter, dispatch `kimi:<type>` and
 * `kimi:message` on the target. Other sessions' frames are counted and dropped before any event
 * object exists. Nothing here logs unless `debug` is on.
 */
export class MessageRouter {
  received = 0;
  delivered = 0;
  filtered = 0;
  malformed = 0;
  /** Sum of text frame lengths in UTF-16 code units (bytes, for the ASCII frames Kimi Proxy sends). */
  bytesIn = 0;
  debug = false;
  /** While the element sends pings, `pong` replies are transport, not messages: counted, not delivered. */
  swallowPongs = false;
  /** Runs after `kimi:<type>` while the message still belongs to the shown session (usage readings). */
  afterDispatch: ((message: KimiMessage) => void) | null = null;
  private readonly unknownReported = new Set<string>();

  constructor(
    private readonly target: EventTarget,
    private readonly filter: SessionFilter,
    private readonly onError: (detail: KimiErrorDetail) => void,
    private readonly onSessionFollowed: () => void,
  ) {}

  route(data: unknown): void {
    this.received++;
    let message: KimiMessage | FrameProblem = parseFrame(data);
    if (typeof data === 'string') this.bytesIn += data.length;
    if (message instanceof FrameProblem) {
      this.malformed++;
      const { kind, excerpt, recovered } = message;
      this.onError({ kind, message: message.message, excerpt, recovered: recovered !== null });
      if (recovered === null) return;
      message = recovered;
    }
    if (this.filter.observe(message)) this.onSessionFollowed();
    if (!this.filter.accepts(message)) {
      this.filtered++;
      return;
    }
    const type = message.type;
    if (type === 'pong' && this.swallowPongs) return;
    this.delivered++;
    // eslint-disable-next-line no-console
    if (this.debug) console.debug('[kimi-realtime] message', message);
    if (RESERVED_EVENT_TYPES.has(type)) {
      this.reportReserved(type);
    } else {
      if (!KNOWN_MESSAGE_TYPES.has(type)) this.reportUnknown(type);
      this.target.dispatchEvent(new KimiMessageEvent(`kimi:${type}`, message));
    }
    // A listener may have switched sessions meanwhile: the frame no longer belongs to what is shown.
    if (this.afterDispatch && this.filter.accepts(message)) this.afterDispatch(message);
    this.target.dispatchEvent(new KimiMessageEvent('kimi:message', message));
  }

  private reportUnknown(type: string): void {
    this.reportOnce(type, {
      kind: 'unknown-type',
      message: `Unknown message type "${type}": delivered as kimi:${type}. Reported once per type.`,
      excerpt: type,
      recovered: true,
    });
  }

  private reportReserved(type: string): void {
    this.reportOnce(`reserved:${type}`, {
      kind: 'reserved-type',
      message: `A server message of type "${type}" would clash with the element's own kimi:${type} event; it is delivered as kimi:message only.`,
      excerpt: type,
      recovered: true,
    });
  }

  /** Reports each key once, for at most MAX_REPORTED_UNKNOWN distinct keys (the set stays bounded). */
  private reportOnce(key: string, detail: KimiErrorDetail): void {
    if (this.unknownReported.has(key) || this.unknownReported.size >= MAX_REPORTED_UNKNOWN) return;
    this.unknownReported.add(key);
    this.onError(detail);
  }
}
