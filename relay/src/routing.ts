import { sessionRefOf } from '../../src/protocol/session-filter.js';
import { FrameProblem, parseFrame } from '../../src/protocol/parse-frame.js';
import type { KimiMessage } from '../../src/protocol/messages.js';

/**
 * How a frame is routed: the same rule as the element (`sessionRefOf`, one shared module), turned
 * into the storage buckets and socket tags the room uses.
 */

/** Bucket (and tag suffix) of global frames. */
export const GLOBAL = '';
/** Tag every viewer carries: global frames go to it. */
export const VIEWER_TAG = 'viewer';
/** Tag of viewers allowed every session and watching them all. */
export const ALL_TAG = 'all';
export const UPLINK_TAG = 'uplink';
/** Tag of viewers taking part in peer signalling (experimental, docs/webrtc.md). */
export const SIGNAL_TAG = 'signal';

export function sessionTag(sessionId: string): string {
  return `s:${sessionId}`;
}

export interface RoutedFrame {
  message: KimiMessage;
  /** Session ids the frame belongs to; empty for a global frame. */
  sessions: readonly string[];
}

/**
 * Reads one frame from Kimi Proxy. Bare NaN/Infinity frames are recovered the way the element does
 * (and forwarded verbatim: the element recovers them itself). Returns null for a frame no rule can
 * route (not JSON, not an object with a `type`, a session reference that is not an id).
 */
export function routeFrame(text: string): RoutedFrame | null {
  const parsed = parseFrame(text);
  const message = parsed instanceof FrameProblem ? parsed.recovered : parsed;
  if (message === null) return null;
  const ref = sessionRefOf(message);
  // A reference that is not an id (an object, a boolean…): the element drops it as unreadable.
  if (ref === false) return null;
  const sessions = ref === null ? [] : typeof ref === 'string' ? [ref] : [...new Set(ref)];
  return { message, sessions };
}

/**
 * Adds `"relay_seq":n` as the last member of a JSON object text, without re-serializing it (the
 * frame stays byte for byte what Kimi Proxy sent). Last, so that if the frame already had such a key,
 * JSON readers keep ours. Returns null when the text does not end like an object.
 */
export function stampSeq(text: string, seq: number): string | null {
  let end = text.length - 1;
  while (end > 0 && text.charCodeAt(end) <= 32) end--;
  if (text.charCodeAt(end) !== 125 /* } */) return null;
  // `{}` has no members to follow; a frame with no `type` never gets here anyway.
  return `${text.slice(0, end)},"relay_seq":${seq}}`;
}
