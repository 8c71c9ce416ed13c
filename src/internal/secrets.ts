/**
 * Credentials on their way to the server, and out of every text the element prints or reports.
 * A server reads a subprotocol token back as: strip `kimi-token.`, base64url-decode (RFC 4648 §5,
 * no padding), read as UTF-8.
 */

/** The `Sec-WebSocket-Protocol` entry for a token: `kimi-token.` + base64url of its UTF-8 bytes. */
export function protocolToken(token: string): string {
  // Encoded, because a subprotocol may only hold token characters (no `+`, `/`, `=`, spaces…) and
  // `new WebSocket` throws on anything else.
  let binary = '';
  for (const byte of new TextEncoder().encode(token)) binary += String.fromCharCode(byte);
  return `kimi-token.${btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

/** A `token` query parameter's value, or a `kimi-token.` subprotocol's. */
const SECRET = /([?&]token=)[^&#\s'"]*|(kimi-token\.)[^\s,'"]*/gi;

/** The text with every token it may carry (URL query `token`, subprotocol `kimi-token.…`) replaced. */
export function redact(text: string): string {
  return text.replace(SECRET, '$1$2[redacted]');
}
