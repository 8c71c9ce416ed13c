/**
 * Signed, expiring tokens: `<payload>.<signature>`, both base64url, the signature an HMAC-SHA256 of
 * the payload text under a secret. WebCrypto only, so the same code runs in workerd (the relay) and
 * in Node 20 (the CLI that issues viewer tokens, the uplink that signs its own).
 *
 * Viewer tokens are signed with the relay's viewer secret, uplink tokens with its uplink secret: two
 * keys, so one kind can never pass for the other, and the role is also inside the signed payload.
 */

import { sessionIdOf } from '../../src/protocol/session-filter.js';

export type TokenRole = 'viewer' | 'uplink';

export interface TokenClaims {
  /** Format version. */
  v: 1;
  role: TokenRole;
  /** The room (one per Kimi Proxy instance) the token opens. */
  room: string;
  /** Session ids the holder may watch, or `'*'` for every session. Uplink tokens carry `'*'`. */
  sessions: readonly string[] | '*';
  /** Expiry, epoch seconds. */
  exp: number;
  /** Free label for whoever issued it (shown nowhere; useful to tell tokens apart). */
  sub?: string;
}

/** Why a token was refused; never contains the token itself. */
export type TokenProblem = 'missing' | 'malformed' | 'bad-signature' | 'expired' | 'wrong-role';

/** At most this many session ids in one token (connection tags are limited to 10 per socket). */
export const MAX_TOKEN_SESSIONS = 8;
/** Room names: what a URL path segment can carry without escaping, and short. */
export const ROOM_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_TOKEN_LENGTH = 2048;
const MAX_SESSION_ID_LENGTH = 64;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Spelled this way so the file type-checks against both workerd's and Node's WebCrypto types. */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keys = new Map<string, Promise<HmacKey>>();

function keyFor(secret: string): Promise<HmacKey> {
  let key = keys.get(secret);
  if (!key) {
    // Imported once per secret and process (or isolate): verifying stays a single HMAC.
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    if (keys.size > 16) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function base64UrlDecode(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  try {
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

/** Shortest secret the relay, the uplink and the CLI accept, in characters (`kimi-relay secret` makes 43). */
export const MIN_SECRET_LENGTH = 32;

/**
 * Checks a secret is usable: long enough that guessing it is not an option. The HMAC key is the
 * secret's text as UTF-8 bytes, used as is (a base64url secret is not decoded first).
 */
export function checkSecret(secret: unknown, name = 'secret'): string {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`${name} must be a string of at least ${MIN_SECRET_LENGTH} characters (use \`kimi-relay secret\` to make one)`);
  }
  return secret;
}

/** Validates and normalizes claims before signing; throws a TypeError naming the bad field. */
export function checkClaims(claims: TokenClaims): TokenClaims {
  if (claims.role !== 'viewer' && claims.role !== 'uplink') throw new TypeError('role must be "viewer" or "uplink"');
  if (typeof claims.room !== 'string' || !ROOM_NAME.test(claims.room)) throw new TypeError('room must be 1–64 characters of A–Z a–z 0–9 . _ -');
  if (!Number.isInteger(claims.exp) || claims.exp <= 0) throw new TypeError('exp must be a positive integer (epoch seconds)');
  let sessions: readonly string[] | '*';
  if (claims.sessions === '*') sessions = '*';
  else if (Array.isArray(claims.sessions)) {
    // Canonical, as the element and the room compare them: "01" and 1 are session "1".
    const list = [...new Set(claims.sessions.map((s) => sessionIdOf(s)))];
    if (list.length === 0 || list.length > MAX_TOKEN_SESSIONS) throw new TypeError(`sessions must name 1–${MAX_TOKEN_SESSIONS} session ids, or be "*"`);
    for (const id of list) {
      if (typeof id !== 'string' || id.length > MAX_SESSION_ID_LENGTH || id === '*') throw new TypeError(`bad session id "${String(id).slice(0, 20)}"`);
    }
    sessions = list as string[];
  } else throw new TypeError('sessions must be a list of session ids or "*"');
  if (claims.role === 'uplink' && sessions !== '*') throw new TypeError('uplink tokens cover every session ("*")');
  const out: TokenClaims = { v: 1, role: claims.role, room: claims.room, sessions, exp: claims.exp };
  if (claims.sub !== undefined) out.sub = String(claims.sub).slice(0, 64);
  return out;
}

export async function signToken(claims: TokenClaims, secret: string): Promise<string> {
  const payload = base64UrlEncode(encoder.encode(JSON.stringify(checkClaims(claims))));
  const signature = await crypto.subtle.sign('HMAC', await keyFor(secret), encoder.encode(payload));
  return `${payload}.${base64UrlEncode(new Uint8Array(signature))}`;
}

/**
 * Verifies signature, shape and expiry. Returns the claims or the reason for refusal.
 * The comparison is WebCrypto's `verify`, which does not leak timing.
 */
export async function verifyToken(token: string | null | undefined, secret: string, role: TokenRole, now = Date.now()): Promise<TokenClaims | TokenProblem> {
  if (!token) return 'missing';
  if (token.length > MAX_TOKEN_LENGTH) return 'malformed';
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return 'malformed';
  const payload = token.slice(0, dot);
  const signature = base64UrlDecode(token.slice(dot + 1));
  if (!signature || signature.length !== 32) return 'malformed';
  const valid = await crypto.subtle.verify('HMAC', await keyFor(secret), signature, encoder.encode(payload));
  if (!valid) return 'bad-signature';
  const bytes = base64UrlDecode(payload);
  if (!bytes) return 'malformed';
  let claims: TokenClaims;
  try {
    claims = checkClaims(JSON.parse(decoder.decode(bytes)) as TokenClaims);
  } catch {
    return 'malformed';
  }
  if (claims.role !== role) return 'wrong-role';
  if (claims.exp * 1000 <= now) return 'expired';
  return claims;
}

/** A random secret, base64url, 256 bits. */
export function newSecret(): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)));
}
