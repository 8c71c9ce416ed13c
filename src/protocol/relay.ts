/**
 * What `<kimi-realtime>` needs to know about the Kimi relay (relay/, docs/relay.md): its rooms'
 * addresses, and the two things it adds to the stream. Shared with the relay itself.
 */

/** Frame type the relay uses for a session's HTTP hydration (the answer of `GET /api/sessions/{id}`). */
export const RELAY_HYDRATION_TYPE = 'relay_hydration';

export interface RelayRoom {
  /** `relay.example.workers.dev`, `127.0.0.1:8787`; a scheme or a trailing slash is dropped. */
  host: string;
  /** PartySocket's party; `main` when empty. */
  party: string;
  room: string;
}

/** Hosts PartySocket reaches with `ws:` rather than `wss:` (loopback and private networks). */
const PLAIN = /^(?:localhost:|127\.0\.0\.1:|\[::ffff:7f00:1\]:|192\.168\.|10\.|172\.(?:1[6-9]|2\d|3[01])\.)/;

/**
 * The room's WebSocket address as PartySocket builds it (`wss://<host>/parties/<party>/<room>`,
 * `ws:` for loopback and private hosts), with the session asked for and the last `relay_seq` seen.
 */
export function relayRoomUrl(room: RelayRoom, session: string | null, since: number | null): string {
  let host = room.host.trim().replace(/^(?:https?|wss?):\/\//, '');
  if (host.endsWith('/')) host = host.slice(0, -1);
  const url = new URL(`${PLAIN.test(host) ? 'ws' : 'wss'}://${host}/parties/${encodeURIComponent(room.party || 'main')}/${encodeURIComponent(room.room)}`);
  if (session !== null) url.searchParams.set('session', session);
  if (since !== null) url.searchParams.set('since', String(since));
  return url.href;
}
