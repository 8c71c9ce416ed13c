import { SocketMachine, sameIdentity, type PageSocket, type SocketIdentity } from './socket-machine.js';
import { TabLink, canShareAcrossTabs } from './tab-link.js';

/**
 * The sockets shared in this page, by URL and `auth-via`; sockets under one key differ by token
 * source. A socket leaves the registry when it closes for good (its last member left, or the server
 * refused the credentials), so the next element with that identity opens a new one. Where the browser
 * can, a shared socket is shared with the other tabs of the origin too (`TabLink`).
 */
const shared = new Map<string, PageSocket[]>();

const keyOf = (identity: SocketIdentity): string => `${identity.authVia} ${identity.url}`;

const find = (identity: SocketIdentity): PageSocket | undefined => shared.get(keyOf(identity))?.find((s) => sameIdentity(s.identity, identity));

/** The socket an element with this identity uses: the page's shared one, or its own (`own-connection`). */
export function socketFor(identity: SocketIdentity): PageSocket {
  if (identity.own) return new SocketMachine(identity);
  let socket = find(identity);
  if (!socket) {
    const closed = (): void => unregister(created);
    const created: PageSocket = canShareAcrossTabs(identity) ? new TabLink(identity, closed) : new SocketMachine(identity, closed);
    socket = created;
    register(socket);
  }
  return socket;
}

/**
 * Gives a socket new credentials (used from its next attempt), when no other socket of the page has
 * them already and no other tab shares it. Returns whether it did.
 */
export function renameSocket(socket: PageSocket, identity: SocketIdentity): boolean {
  if (!(socket instanceof SocketMachine) || socket.identity.own !== identity.own || (!identity.own && find(identity))) return false;
  if (identity.own) {
    socket.identity = identity;
    return true;
  }
  unregister(socket);
  socket.identity = identity;
  register(socket);
  return true;
}

function register(socket: PageSocket): void {
  const key = keyOf(socket.identity);
  shared.set(key, [...(shared.get(key) ?? []), socket]);
}

function unregister(socket: PageSocket): void {
  const key = keyOf(socket.identity);
  const rest = (shared.get(key) ?? []).filter((s) => s !== socket);
  if (rest.length) shared.set(key, rest);
  else shared.delete(key);
}
