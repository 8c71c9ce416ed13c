import { normalizeSessionId } from '../../src/protocol/session-filter.js';
import { base64UrlDecode, verifyToken, type TokenProblem } from './token.js';
import { CLOSE } from './wire.js';

/**
 * Who may connect, decided in the Worker before a socket reaches the room: viewers by a token signed
 * with the viewer secret (in `?token=` or the `kimi-token.<token>` subprotocol, as the element sends
 * it), the uplink by a token signed with the uplink secret (`Authorization: Bearer`). What was
 * decided travels to the room in one header the Worker sets (and strips from what clients send);
 * the token itself goes no further.
 */

export const CLAIMS_HEADER = 'x-kimi-relay-claims';
/** The subprotocol the relay selects when the client offered one (browsers require a selection). */
export const SUBPROTOCOL = 'kimi';
const TOKEN_PROTOCOL_PREFIX = 'kimi-token.';

export interface Admitted {
  role: 'viewer' | 'uplink';
  /** Sessions a viewer receives: `'all'`, or a list (each one its token allows). */
  watch: 'all' | string[];
  /** The last `relay_seq` a reconnecting viewer saw. */
  since: number | null;
  /** Experimental: the viewer takes part in peer signalling (`?signal=1`, docs/webrtc.md). */
  signal?: boolean;
  /** When the token stops being valid, epoch seconds: the room closes a viewer then (4401). */
  exp: number;
}

export interface Refused {
  code: number;
  reason: string;
}

export interface RelaySecrets {
  viewer: string;
  uplink: string;
}

const REASONS: Record<TokenProblem, string> = {
  missing: 'a token is required',
  malformed: 'the token is not a relay token',
  'bad-signature': 'the token is not signed by this relay',
  expired: 'the token has expired',
  'wrong-role': 'the token is for another role',
};

/** Offered subprotocols, from the `Sec-WebSocket-Protocol` header. */
export function offeredProtocols(request: Request): string[] {
  const header = request.headers.get('sec-websocket-protocol');
  return header
    ? header
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    : [];
}

/**
 * The token in a `kimi-token.<value>` subprotocol: `<kimi-realtime>` sends it base64url-encoded (UTF-8),
 * since a subprotocol may only hold token characters.
 */
function protocolToken(value: string): string | null {
  const bytes = base64UrlDecode(value);
  if (!bytes) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

export async function admit(request: Request, room: string, secrets: RelaySecrets, now = Date.now()): Promise<Admitted | Refused> {
  const url = new URL(request.url);
  const authorization = request.headers.get('authorization');
  if (authorization !== null) {
    const token = /^Bearer (\S+)$/.exec(authorization)?.[1];
    const claims = await verifyToken(token, secrets.uplink, 'uplink', now);
    if (typeof claims === 'string') return { code: CLOSE.unauthorized, reason: `uplink refused: ${REASONS[claims]}` };
    if (claims.room !== room) return { code: CLOSE.forbidden, reason: 'uplink refused: the token is for another room' };
    return { role: 'uplink', watch: 'all', since: null, exp: claims.exp };
  }
  const fromProtocol = offeredProtocols(request).find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  const token = fromProtocol ? protocolToken(fromProtocol.slice(TOKEN_PROTOCOL_PREFIX.length)) : url.searchParams.get('token');
  const claims = await verifyToken(token, secrets.viewer, 'viewer', now);
  if (typeof claims === 'string') return { code: CLOSE.unauthorized, reason: REASONS[claims] };
  if (claims.room !== room) return { code: CLOSE.forbidden, reason: 'the token is for another room' };
  const asked = normalizeSessionId(url.searchParams.get('session'));
  let watch: Admitted['watch'];
  if (asked !== null) {
    if (asked.length > 64 || (claims.sessions !== '*' && !claims.sessions.includes(asked))) {
      return { code: CLOSE.forbidden, reason: 'the token does not allow this session' };
    }
    watch = [asked];
  } else {
    watch = claims.sessions === '*' ? 'all' : [...claims.sessions];
  }
  const sinceText = url.searchParams.get('since');
  const since = sinceText !== null && /^\d{1,15}$/.test(sinceText) ? Number(sinceText) : null;
  return { role: 'viewer', watch, since, signal: url.searchParams.get('signal') === '1', exp: claims.exp };
}

/** The request the room receives: no token in it, no client-chosen connection id, the decision attached. */
export function forwardedRequest(request: Request, admitted: Admitted): Request {
  const url = new URL(request.url);
  url.searchParams.delete('token');
  // partyserver takes a connection id from `_pk` (PartySocket sends one); ids must not be chosen by
  // clients here, since replies are addressed by id.
  url.searchParams.delete('_pk');
  const headers = new Headers(request.headers);
  headers.delete('authorization');
  headers.delete('sec-websocket-protocol');
  headers.set(CLAIMS_HEADER, encodeURIComponent(JSON.stringify(admitted)));
  return new Request(url.href, { method: request.method, headers });
}

/** Reads what the Worker decided; null when the header is missing or not ours. */
export function readAdmitted(request: Request): Admitted | null {
  const header = request.headers.get(CLAIMS_HEADER);
  if (!header) return null;
  try {
    const value = JSON.parse(decodeURIComponent(header)) as Admitted;
    if (value.role !== 'viewer' && value.role !== 'uplink') return null;
    if (value.watch !== 'all' && !Array.isArray(value.watch)) return null;
    if (!Number.isInteger(value.exp)) return null;
    return value;
  } catch {
    return null;
  }
}
