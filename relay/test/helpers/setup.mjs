// One relay, one Kimi stand-in and one uplink, wired together; closed in `after`.
import { Uplink } from '../../dist/node.mjs';
import { startRelay } from './relay.mjs';
import { startKimi } from './kimi.mjs';
import { Viewer, until } from './clients.mjs';

export async function startSystem({ room = 'proxy-1', relayOptions = {}, kimiOptions = {}, uplink = true } = {}) {
  const relay = await startRelay(relayOptions);
  const kimi = await startKimi(kimiOptions);
  const system = {
    relay,
    kimi,
    room,
    uplink: null,
    viewers: [],
    startUplink(options = {}) {
      const up = new Uplink({
        kimiUrl: kimi.wsUrl,
        relayUrl: relay.roomUrl(room),
        uplinkSecret: relay.secrets.uplink,
        reconnectMin: 50,
        reconnectMax: 400,
        ...options,
      });
      up.start();
      system.uplink = up;
      return up;
    },
    /** A viewer with a token for `sessions` (list or '*'), watching `session` if given. */
    async viewer({ sessions = '*', session, protocols, tokenRoom = room, connect = true } = {}) {
      const token = await system.relay.viewerToken({ room: tokenRoom, sessions });
      const url = new URL(system.relay.roomUrl(room));
      if (session !== undefined) url.searchParams.set('session', String(session));
      if (!protocols) url.searchParams.set('token', token);
      // In the subprotocol the token travels base64url-encoded, as <kimi-realtime> sends it.
      const viewer = new Viewer(url.href, { protocols: protocols ? [...protocols, `kimi-token.${Buffer.from(token).toString('base64url')}`] : undefined });
      viewer.token = token;
      system.viewers.push(viewer);
      if (connect) await viewer.connect();
      return viewer;
    },
    async status() {
      const response = await fetch(`${system.relay.httpUrl}/parties/main/${room}`, {
        headers: { authorization: `Bearer ${await system.relay.uplinkToken(room)}` },
      });
      return response.json();
    },
    /** Waits until the uplink is connected to both sides and the room knows it. */
    async ready() {
      await until(() => system.uplink.kimiOpen && system.uplink.relayReady, 'the uplink to connect');
    },
    async close() {
      for (const v of system.viewers) v.ws?.terminate();
      system.uplink?.stop();
      await kimi.close();
      await system.relay.dispose();
    },
  };
  if (uplink) {
    system.startUplink();
    await system.ready();
  }
  return system;
}
