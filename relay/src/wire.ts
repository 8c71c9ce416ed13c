/**
 * What the room and the uplink say to each other besides Kimi Proxy's own frames.
 *
 * Uplink → room: Kimi Proxy's frames go up verbatim as text frames, one per frame, in order. Every
 * other message from the uplink is a binary frame holding UTF-8 JSON (`UplinkControl`): Kimi Proxy
 * only ever sends text, so a data frame can never be mistaken for control.
 * Room → uplink: text frames of JSON (`RoomControl`); the uplink receives nothing else.
 */

/** Sent first on every uplink connection: who it is and how far its numbering goes. */
export interface UplinkHello {
  relay: 'hello';
  /** Random per uplink process: frame counts are comparable only within one epoch. */
  epoch: string;
  /** Frames this uplink has produced so far in this epoch (sent or buffered). */
  produced: number;
}

/** The room lost nothing before `count`: resend from there (the uplink's buffer starts later). */
export interface UplinkSkip {
  relay: 'skip';
  count: number;
}

/** A direct reply from Kimi Proxy for one viewer (its `requestId` restored). */
export interface UplinkReply {
  relay: 'reply';
  to: string;
  frame: string;
}

/** The uplink's connection to Kimi Proxy opened or closed. */
export interface UplinkSource {
  relay: 'source';
  open: boolean;
}

export type UplinkControl = UplinkHello | UplinkSkip | UplinkReply | UplinkSource;

/** Answer to `hello`: the number of this epoch's frames the room has stored; resend from there. */
export interface RoomWelcome {
  relay: 'welcome';
  count: number;
}

/** The room has stored this many of the epoch's frames: the uplink may forget them. */
export interface RoomAck {
  relay: 'ack';
  count: number;
}

/** A viewer's command for Kimi Proxy; the reply must go back to `from` only. */
export interface RoomCommand {
  relay: 'command';
  from: string;
  frame: string;
}

/** Fetch `GET /api/sessions/{session}` and send it up as a `relay_hydration` frame. */
export interface RoomHydrate {
  relay: 'hydrate';
  session: string;
}

export type RoomControl = RoomWelcome | RoomAck | RoomCommand | RoomHydrate;

/** The frame type the uplink uses for a session's HTTP hydration (PROTOCOL.md §14); the element's module. */
export { RELAY_HYDRATION_TYPE as HYDRATION_TYPE } from '../../src/protocol/relay.js';

/** Commands Kimi Proxy answers, and the type of its answer (PROTOCOL.md §9, §4.17). */
export const REPLY_TYPES: ReadonlyMap<string, string> = new Map([
  ['memory_compress_preview', 'memory_compress_preview_response'],
  ['memory_compress_execute', 'memory_compress_result_response'],
  ['memory_similarity_search', 'memory_similarity_result_response'],
]);

/** Close codes the relay uses. The element treats 4401 and 4403 as "bad credentials, no retry". */
export const CLOSE = {
  /** No token, or a token that is malformed, forged or expired. */
  unauthorized: 4401,
  /** A valid token that does not open this room or this session. */
  forbidden: 4403,
  /** A newer uplink connected to the room: this one must stop. */
  replaced: 4409,
  /** A viewer sent something the relay does not accept (too large, not JSON). */
  badInput: 1003,
} as const;
