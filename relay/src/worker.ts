import { routePartykitRequest } from 'partyserver';
import { admit, forwardedRequest, offeredProtocols, SUBPROTOCOL, type Refused, type RelaySecrets } from './admission.js';
import { MIN_SECRET_LENGTH, ROOM_NAME, verifyToken } from './token.js';
import type { Env } from './room.js';

export { KimiRoom } from './room.js';

/** Rooms live at `/parties/main/<room>`: PartySocket's default party, so clients need only `room`. */
const ROOM_PATH = /^\/parties\/main\/([^/]+)$/;

/**
 * Completes the WebSocket handshake and closes at once with the refusal code: a browser sees the
 * code (an HTTP 401 would reach it as a bare 1006, which clients retry), and the element stops.
 */
function refuse(request: Request, refused: Refused): Response {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  server.close(refused.code, refused.reason);
  return new Response(null, { status: 101, webSocket: client, headers: protocolHeader(request) });
}

/**
 * Both secrets, when set and at least 32 characters: what `kimi-relay secret` makes and what the CLI and
 * the uplink accept. A shorter one would let tokens be forged by guessing it, so the relay refuses to run
 * on it rather than accept what it signs.
 */
function secretsOf(env: Env): RelaySecrets | null {
  const { VIEWER_SECRET: viewer, UPLINK_SECRET: uplink } = env;
  if (typeof viewer !== 'string' || typeof uplink !== 'string') return null;
  if (viewer.length < MIN_SECRET_LENGTH || uplink.length < MIN_SECRET_LENGTH) return null;
  return { viewer, uplink };
}

function protocolHeader(request: Request): HeadersInit {
  return offeredProtocols(request).length > 0 ? { 'Sec-WebSocket-Protocol': SUBPROTOCOL } : {};
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/' || url.pathname === '/health') return Response.json({ ok: true, service: 'kimi-relay' });
    const match = ROOM_PATH.exec(url.pathname);
    const room = match ? decodeURIComponent(match[1]!) : null;
    if (room === null || !ROOM_NAME.test(room)) return new Response('Not found', { status: 404 });
    const secrets = secretsOf(env);
    const isWebSocket = request.headers.get('upgrade')?.toLowerCase() === 'websocket';
    if (!isWebSocket) {
      // Room status, for the uplink's secret holder only.
      const token = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
      const claims = secrets ? await verifyToken(token, secrets.uplink, 'uplink') : 'missing';
      if (typeof claims === 'string' || claims.room !== room) return new Response('Unauthorized', { status: 401 });
    } else if (!secrets) {
      return refuse(request, {
        code: 1011,
        reason: `the relay has no secrets configured (VIEWER_SECRET and UPLINK_SECRET, ${MIN_SECRET_LENGTH}+ characters each)`,
      });
    }
    const response = await routePartykitRequest(request, env, {
      onBeforeConnect: async (req) => {
        const admitted = await admit(req, room, secrets!);
        return 'code' in admitted ? refuse(req, admitted) : forwardedRequest(req, admitted);
      },
    });
    if (!response) return new Response('Not found', { status: 404 });
    if (isWebSocket && response.webSocket && offeredProtocols(request).length > 0 && !response.headers.has('sec-websocket-protocol')) {
      return new Response(null, { status: 101, webSocket: response.webSocket, headers: protocolHeader(request) });
    }
    return response;
  },
} satisfies ExportedHandler<Env>;
