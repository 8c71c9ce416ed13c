import { Server, type Connection, type ConnectionContext } from 'partyserver';
import { readAdmitted, type Admitted } from './admission.js';
import { FrameLog, DEFAULT_LIMITS, type FrameLogLimits, type StateKind, type Watch } from './frame-log.js';
import { ALL_TAG, SIGNAL_TAG, UPLINK_TAG, VIEWER_TAG, routeFrame, sessionTag, stampSeq } from './routing.js';
import { CLOSE, HYDRATION_TYPE, REPLY_TYPES, type RoomControl, type UplinkControl } from './wire.js';

export interface Env {
  Main: DurableObjectNamespace;
  VIEWER_SECRET?: string;
  UPLINK_SECRET?: string;
  /** Frames kept per session for replays (default 1000). */
  REPLAY_PER_SESSION?: string;
  /** Frames kept in a room (default 50,000). */
  REPLAY_TOTAL?: string;
}

/** Largest frame taken from the uplink, and from a viewer. */
const MAX_UPLINK_FRAME = 1 << 20;
const MAX_VIEWER_FRAME = 64 * 1024;
/** The uplink is told how far the room got every this many frames (it then frees its buffer). */
const ACK_EVERY = 256;
/** A hydration asked for and not answered is asked again after this long. */
const HYDRATION_RETRY_MS = 10_000;
const decoder = new TextDecoder();

function limitsOf(env: Env): FrameLogLimits {
  const perSession = Number(env.REPLAY_PER_SESSION);
  const total = Number(env.REPLAY_TOTAL);
  return {
    perSession: Number.isInteger(perSession) && perSession > 0 ? perSession : DEFAULT_LIMITS.perSession,
    total: Number.isInteger(total) && total > 0 ? total : DEFAULT_LIMITS.total,
    states: DEFAULT_LIMITS.states,
  };
}

function watchOf(admitted: Admitted): Watch {
  return admitted.watch === 'all' ? { all: true } : { all: false, sessions: admitted.watch };
}

/** What the room keeps with a viewer's socket (it survives hibernation): when its token expires, epoch ms. */
interface ViewerState {
  expiresAt: number;
}

function expiryOf(connection: Connection): number | null {
  const state = connection.state as Partial<ViewerState> | null;
  return typeof state?.expiresAt === 'number' ? state.expiresAt : null;
}

function send(ws: WebSocket, text: string): void {
  try {
    ws.send(text);
  } catch {
    // Closing already: its close handler cleans up.
  }
}

/**
 * One room per Kimi Proxy instance. The uplink's frames are numbered (`relay_seq`), stored, and sent
 * to the viewers whose tags match the frame's session (or to every viewer for a global frame); a
 * viewer that reconnects with `?since=<n>` gets what it missed, a new one gets its session's current
 * state. A viewer is closed (4401) when its token expires: the Durable Object's alarm is set to the
 * earliest expiry of the viewers connected. Hibernation-safe: everything is in storage, in the
 * sockets' tags and attachments, or in the alarm.
 */
export class KimiRoom extends Server<Env> {
  static override options = { hibernate: true };

  private log!: FrameLog;
  private ackedAt = 0;
  /**
   * The uplink connection that said hello last. Frames still queued from a replaced connection are
   * ignored: the new one resends from what the room stored. (Forgotten on hibernation, when only one
   * uplink socket is left anyway.)
   */
  private uplinkId: string | null = null;
  /** Hydrations asked of the uplink and not answered yet: session → when. */
  private readonly hydrating = new Map<string, number>();
  /** Sockets by tag, for fan-out; cleared whenever one connects or closes. */
  private readonly byTag = new Map<string, WebSocket[]>();

  override onStart(): void {
    this.log = new FrameLog(this.ctx.storage.sql, limitsOf(this.env));
    this.log.load();
  }

  override getConnectionTags(_connection: Connection, ctx: ConnectionContext): string[] {
    const admitted = readAdmitted(ctx.request);
    if (!admitted) return [];
    if (admitted.role === 'uplink') return [UPLINK_TAG];
    const tags = [VIEWER_TAG, ...(admitted.watch === 'all' ? [ALL_TAG] : admitted.watch.map(sessionTag))];
    // A socket carries at most 10 tags, its id included.
    if (admitted.signal && tags.length < 9) tags.push(SIGNAL_TAG);
    return tags;
  }

  override onConnect(connection: Connection, ctx: ConnectionContext): void {
    this.byTag.clear();
    const admitted = readAdmitted(ctx.request);
    if (!admitted) {
      // Only the Worker reaches the room, and it always says who connected.
      connection.close(CLOSE.unauthorized, 'not admitted');
      return;
    }
    if (admitted.role === 'uplink') {
      for (const ws of this.ctx.getWebSockets(UPLINK_TAG)) {
        if (ws !== (connection as unknown as WebSocket)) ws.close(CLOSE.replaced, 'replaced by a newer uplink');
      }
      return; // it speaks first (hello)
    }
    if (admitted.signal && connection.tags.includes(SIGNAL_TAG)) {
      // Experimental peer signalling: tell the newcomer its id and who else is there.
      const peers = this.ctx
        .getWebSockets(SIGNAL_TAG)
        .map((ws) => this.ctx.getTags(ws)[0])
        .filter((id) => id !== connection.id);
      connection.send(JSON.stringify({ type: 'relay_peers', id: connection.id, peers }));
    }
    const expiresAt = admitted.exp * 1000;
    connection.setState({ expiresAt } satisfies ViewerState);
    void this.closeAtExpiry(expiresAt);
    const watch = watchOf(admitted);
    const missed = admitted.since === null ? null : this.log.replay(admitted.since, watch);
    for (const text of missed ?? this.log.snapshot(watch)) connection.send(text);
    if (!watch.all) for (const session of watch.sessions) this.hydrate(session, false);
  }

  override onMessage(connection: Connection, message: string | ArrayBuffer | ArrayBufferView): void {
    if (connection.tags.includes(UPLINK_TAG)) {
      const replaced = this.uplinkId !== null && connection.id !== this.uplinkId;
      if (typeof message === 'string') {
        if (!replaced) this.takeFrames(connection, message);
      } else {
        this.takeControl(connection, message, replaced);
      }
    } else {
      this.takeViewerMessage(connection, message);
    }
  }

  override onClose(): void {
    this.byTag.clear();
  }

  /** Closes the viewers whose token has expired, and sets the alarm to the next expiry. */
  override async onAlarm(): Promise<void> {
    const now = Date.now();
    let next = Infinity;
    for (const connection of this.getConnections(VIEWER_TAG)) {
      const expiresAt = expiryOf(connection);
      if (expiresAt === null) continue;
      if (expiresAt > now) next = Math.min(next, expiresAt);
      else {
        try {
          connection.close(CLOSE.unauthorized, 'the token has expired');
        } catch {
          // Closing already.
        }
      }
    }
    if (next !== Infinity) await this.ctx.storage.setAlarm(next);
  }

  /**
   * Makes sure the alarm fires by `expiresAt`. The read and the write of the alarm run under the
   * object's input gate, so two viewers connecting at once cannot both see the old alarm.
   */
  private async closeAtExpiry(expiresAt: number): Promise<void> {
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > expiresAt) await this.ctx.storage.setAlarm(expiresAt);
  }

  override onError(): void {
    // A viewer's transport failing is routine; nothing to log (and never a token to log).
    this.byTag.clear();
  }

  /**
   * The sockets of a tag. The runtime builds a new list (and a wrapper per hibernatable socket) on
   * every `getWebSockets` call, which at hundreds of viewers cost more than the sends; the lists are
   * kept until a socket connects or closes.
   */
  private socketsOf(tag: string): WebSocket[] {
    let sockets = this.byTag.get(tag);
    if (!sockets) {
      sockets = this.ctx.getWebSockets(tag);
      this.byTag.set(tag, sockets);
    }
    return sockets;
  }

  /** Status for whoever holds the uplink secret (the Worker checks it). */
  override onRequest(): Response {
    const viewers = this.ctx.getWebSockets(VIEWER_TAG).length;
    return Response.json({
      room: this.name,
      seq: this.log.seq,
      storedFrames: this.log.storedFrames,
      viewers,
      uplink: this.ctx.getWebSockets(UPLINK_TAG).length > 0,
      uplinkCount: this.log.uplinkCount,
    });
  }

  /** A message from the uplink holds one frame, or several separated by line breaks (no frame has one). */
  private takeFrames(uplink: Connection, message: string): void {
    if (message.indexOf('\n') === -1) {
      this.takeFrame(message);
    } else {
      for (const text of message.split('\n')) this.takeFrame(text);
    }
    this.log.commit();
    if (this.log.uplinkCount - this.ackedAt >= ACK_EVERY) this.ack(uplink);
  }

  private takeFrame(text: string): void {
    const routed = text.length <= MAX_UPLINK_FRAME ? routeFrame(text) : null;
    const stamped = routed && stampSeq(text, this.log.nextSeq);
    if (!routed || stamped === null) {
      // No rule can place it: only viewers of every session may see it, unnumbered and not kept.
      this.log.skipFrame();
      for (const ws of this.socketsOf(ALL_TAG)) send(ws, text);
    } else {
      const type = routed.message.type;
      // A hydration that reports an error (`{"error": "Session 9 introuvable"}`) is news, not a state.
      const state: StateKind | null = type === 'init' ? 'init' : type === HYDRATION_TYPE && !Object.hasOwn(routed.message, 'error') ? 'hydration' : null;
      const sessions = routed.sessions;
      this.log.append(stamped, sessions, state);
      if (type === HYDRATION_TYPE) this.hydrating.delete(sessions[0] ?? '');
      if (type === 'sessions_bulk_deleted') this.log.dropStates(sessions);
      this.fanOut(stamped, sessions);
    }
  }

  /** Sends to the viewers of the frame's sessions (and of all sessions), or to every viewer. */
  private fanOut(text: string, sessions: readonly string[]): void {
    if (sessions.length === 0) {
      for (const ws of this.socketsOf(VIEWER_TAG)) send(ws, text);
      return;
    }
    if (sessions.length === 1) {
      for (const ws of this.socketsOf(sessionTag(sessions[0]!))) send(ws, text);
      for (const ws of this.socketsOf(ALL_TAG)) send(ws, text);
      return;
    }
    // A frame naming several sessions (sessions_bulk_deleted): a viewer of two of them gets it once.
    const targets = new Set(this.socketsOf(ALL_TAG));
    for (const session of sessions) for (const ws of this.socketsOf(sessionTag(session))) targets.add(ws);
    for (const ws of targets) send(ws, text);
  }

  private ack(uplink: Connection): void {
    this.ackedAt = this.log.uplinkCount;
    send(uplink, JSON.stringify({ relay: 'ack', count: this.log.uplinkCount } satisfies RoomControl));
  }

  private takeControl(uplink: Connection, data: ArrayBuffer | ArrayBufferView, replaced: boolean): void {
    let control: UplinkControl;
    try {
      control = JSON.parse(decoder.decode(data)) as UplinkControl;
    } catch {
      return;
    }
    if (replaced && control.relay !== 'hello') return;
    switch (control.relay) {
      case 'hello': {
        if (typeof control.epoch !== 'string' || control.epoch === '') return;
        this.uplinkId = uplink.id;
        if (control.epoch !== this.log.uplinkEpoch) this.log.beginEpoch(control.epoch, 0);
        this.ackedAt = this.log.uplinkCount;
        send(uplink, JSON.stringify({ relay: 'welcome', count: this.log.uplinkCount } satisfies RoomControl));
        this.hydrateWatched(false);
        return;
      }
      case 'skip':
        if (Number.isInteger(control.count) && control.count > this.log.uplinkCount) this.log.beginEpoch(this.log.uplinkEpoch, control.count);
        return;
      case 'reply':
        if (typeof control.to === 'string' && typeof control.frame === 'string' && control.to !== '') {
          for (const ws of this.ctx.getWebSockets(control.to)) {
            if (this.ctx.getTags(ws).includes(VIEWER_TAG)) send(ws, control.frame);
          }
        }
        return;
      case 'source':
        // Kimi Proxy replays nothing after a reconnect: what the watched sessions look like now comes
        // from its HTTP API.
        if (control.open === true) this.hydrateWatched(true);
        return;
    }
  }

  private takeViewerMessage(viewer: Connection, message: string | ArrayBuffer | ArrayBufferView): void {
    if (typeof message !== 'string' || message.length > MAX_VIEWER_FRAME) {
      viewer.close(CLOSE.badInput, 'the relay takes JSON text frames of at most 64 KiB');
      return;
    }
    let command: { type?: unknown; id?: unknown; requestId?: unknown };
    try {
      command = JSON.parse(message) as typeof command;
    } catch {
      return; // Kimi Proxy drops unreadable commands too (PROTOCOL.md §1)
    }
    if (command === null || typeof command !== 'object' || typeof command.type !== 'string') return;
    if (command.type === 'ping') {
      send(viewer, JSON.stringify({ type: 'pong', id: command.id ?? null }));
      return;
    }
    if (command.type === 'relay_signal') {
      this.signal(viewer, command as { to?: unknown; data?: unknown });
      return;
    }
    const replyType = REPLY_TYPES.get(command.type);
    // Kimi Proxy ignores every other command (PROTOCOL.md §9): nothing else goes down.
    if (replyType === undefined) return;
    const uplink = this.ctx.getWebSockets(UPLINK_TAG)[0];
    if (!uplink) {
      // Answered in Kimi Proxy's own failure shape (PROTOCOL.md §4.17), so a waiting caller settles.
      send(
        viewer,
        JSON.stringify({
          type: replyType,
          requestId: command.requestId ?? null,
          error: 'Kimi relay: no uplink is connected to this room; the command was not delivered.',
        }),
      );
      return;
    }
    send(uplink, JSON.stringify({ relay: 'command', from: viewer.id, frame: message } satisfies RoomControl));
  }

  /**
   * Experimental peer signalling (docs/webrtc.md): a viewer that joined with `?signal=1` may send
   * `{"type":"relay_signal","to":<id>,"data":…}` to another such viewer of the room, which receives
   * `{"type":"relay_signal","from":<id>,"data":…}`.
   */
  private signal(from: Connection, message: { to?: unknown; data?: unknown }): void {
    if (!from.tags.includes(SIGNAL_TAG) || typeof message.to !== 'string' || message.to === '') return;
    const target = this.ctx.getWebSockets(message.to).find((ws) => this.ctx.getTags(ws).includes(SIGNAL_TAG));
    if (target) send(target, JSON.stringify({ type: 'relay_signal', from: from.id, data: message.data ?? null }));
  }

  /** Asks the uplink for a session's state over HTTP, when the room lacks it (or `force`). */
  private hydrate(session: string, force: boolean): void {
    const uplink = this.ctx.getWebSockets(UPLINK_TAG)[0];
    if (!uplink) return;
    const asked = this.hydrating.get(session);
    if (asked !== undefined && Date.now() - asked < HYDRATION_RETRY_MS) return;
    if (!force && !this.log.needsState(session)) return;
    this.hydrating.set(session, Date.now());
    send(uplink, JSON.stringify({ relay: 'hydrate', session } satisfies RoomControl));
  }

  private hydrateWatched(force: boolean): void {
    const sessions = new Set<string>();
    for (const ws of this.ctx.getWebSockets(VIEWER_TAG)) {
      for (const tag of this.ctx.getTags(ws)) if (tag.startsWith('s:')) sessions.add(tag.slice(2));
    }
    for (const session of sessions) this.hydrate(session, force);
  }
}
