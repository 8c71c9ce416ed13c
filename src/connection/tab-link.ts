import {
  CLOSED_BY_PAGE,
  SocketMachine,
  awaitedFull,
  deliverFrame,
  full,
  type Awaiting,
  type PageSocket,
  type SocketIdentity,
  type SocketMember,
} from './socket-machine.js';
import { FramePump } from './frame-pump.js';
import { ConnectionMetrics, type KimiConnectionMetrics } from './connection-metrics.js';
import type { KimiErrorDetail } from '../events/kimi-error-event.js';
import type { KimiStatusDetail } from '../events/kimi-status-event.js';
import { FrameProblem, parseFrame } from '../protocol/parse-frame.js';
import type { KimiMessage } from '../protocol/messages.js';
import { MAX_AWAITED, ReplyOwners } from './reply-owners.js';

/** What the leader tells about its connection with each status. */
interface Facts {
  since: number | null;
  extensions: string;
  protocol: string;
  handshakeMs: number | null;
  rttMs: number | null;
}

/** A command a tab posts to the leader `to`, numbered by the tab (`id`). */
interface Command {
  k: 'send';
  from: string;
  to: string;
  id: number;
  text: string;
  reply: string | undefined;
}

/**
 * Messages between the tabs of one socket, over its BroadcastChannel. `to` names the one tab a
 * message is for. A leader that stops leading says `resign` first: every command it wrote was
 * acknowledged before that, and it writes nothing after.
 */
type Wire =
  | { k: 'hello'; from: string }
  | { k: 'bye'; from: string }
  | { k: 'retry' }
  | Command
  | { k: 'ack'; to: string; id: number; refused?: string }
  | { k: 'status'; from: string; d: KimiStatusDetail; f: Facts }
  | { k: 'error'; d: KimiErrorDetail; to?: string }
  | { k: 'frame'; t: unknown; to?: string; id?: number }
  | { k: 'skip'; b: number }
  | { k: 'replay'; to: string; t: unknown[] }
  | { k: 'resign'; from: string }
  | { k: 'expire'; from: string; id: number };

/** Where the leader's router sends another tab's reply: the tab and its command id. */
interface TabRef {
  to: string;
  id: number;
}

/**
 * How long a tab waits for a former leader's `resign` once another leader showed up (the two come from
 * different tabs, in no guaranteed order) before it reports what that leader did not confirm.
 */
const RESIGN_GRACE_MS = 300;

/** This tab, among the others. */
const TAB = Math.random().toString(36).slice(2, 10);
/** Commands a tab holds at once, at most (posted and not acknowledged), and other tabs' commands a leader holds until it connects. */
const MAX_HELD = 1000;
/** Tabs that follow one leader, at most. */
const MAX_FOLLOWERS = 1000;
/** The frames that say which session is active: a tab that starts following is given the latest ones the leader saw. */
const SESSION_TYPES: ReadonlySet<string> = new Set(['session_activated', 'new_session', 'auto_session_created']);

/**
 * Whether a socket can be shared with the other tabs of the origin: the browser has Web Locks and
 * SubtleCrypto (secure contexts only) and BroadcastChannel, and the credentials can be compared
 * across tabs (none, or a string; a token function can only be compared within its page).
 */
export const canShareAcrossTabs = ({ token }: SocketIdentity): boolean =>
  typeof token !== 'function' &&
  typeof BroadcastChannel === 'function' &&
  typeof navigator.locks?.request === 'function' &&
  typeof globalThis.crypto?.subtle?.digest === 'function';

/**
 * The name of the lock and channel of an identity: a SHA-256 digest of the credentials, URL and
 * `auth-via`, so tabs share a socket only when their credentials are equal, and no token (nor a URL
 * that carries one) appears in a name other scripts of the origin can list (`navigator.locks.query()`).
 */
export async function channelName({ url, token, authVia }: SocketIdentity): Promise<string> {
  const text = JSON.stringify([authVia, url, typeof token === 'string' && token !== '' ? token : null]);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return `kimi-realtime ${hex}`;
}

const reconnecting = (): KimiStatusDetail => ({ state: 'reconnecting', attempt: 0, nextRetryAt: null, closeCode: null, closeReason: '' });

/** Why a command is reported with an unknown fate. */
const UNCONFIRMED = 'the tab holding the connection vanished before confirming it was written; not sent again';

/**
 * One socket shared by the tabs of an origin. The tab holding the Web Lock named after the socket
 * leads (`TabLeader`: it runs the `SocketMachine` and posts frames, statuses and errors to the other
 * tabs over a BroadcastChannel, which background tabs receive at once); every other tab follows
 * (`TabFollower`). When the leader tab closes, crashes or is discarded the browser releases its lock
 * and the next tab waiting for it leads at once. A leader tab that is hidden away (`pagehide`, also
 * into the back/forward cache) or frozen (`freeze`) resigns: it closes its socket and releases the
 * lock, so another tab takes over at once; it follows again when it comes back (`pageshow`, `resume`).
 *
 * Commands of a follower are acknowledged by the leader once written to the socket (`ack`), or
 * refused (`ack` with `refused`: a bound was reached). When a leader resigns, what it did not
 * acknowledge was not written, and goes to the next leader; when a leader vanishes without
 * resigning (a crash), what it did not acknowledge has an unknown fate and is reported to the
 * element (`unsent`), never sent again: a command is written once, or reported, never both.
 */
export class TabLink implements PageSocket {
  members: readonly SocketMember[] = [];
  #role: TabLeader | TabFollower = new TabFollower(this);
  #name: string | null = null;
  #channel: BroadcastChannel | null = null;
  #lock: AbortController | null = null;
  #release: (() => void) | null = null;
  #closed = false;
  #suspended = false;

  constructor(
    readonly identity: SocketIdentity,
    private readonly onClosed: () => void,
  ) {
    void channelName(identity).then((name) => {
      this.#name = name;
      if (!this.#closed && !this.#suspended) this.#open();
    });
    addEventListener('pagehide', this.#suspend);
    addEventListener('pageshow', this.#resume);
    document.addEventListener('freeze', this.#suspend);
    document.addEventListener('resume', this.#resume);
  }

  get isOpen(): boolean {
    return this.#role.isOpen;
  }

  get connectedSince(): number | null {
    return this.#role.connectedSince;
  }

  get snapshot(): KimiConnectionMetrics {
    return this.#role.snapshot;
  }

  /** Whether this tab holds the socket now. */
  get leading(): boolean {
    return this.#role instanceof TabLeader;
  }

  join(member: SocketMember): void {
    this.members = [...this.members, member];
    this.#role.join(member);
  }

  leave(member: SocketMember): void {
    this.members = this.members.filter((m) => m !== member);
    this.#role.leave(member);
    if (this.members.length === 0) this.stop();
  }

  send(text: string, reply?: string, from?: SocketMember, ref?: unknown): string | undefined {
    return this.#role.send(text, reply, from, ref);
  }

  expire(member: SocketMember, ref: unknown): void {
    this.#role.expire(member, ref);
  }

  retryNow(): boolean {
    return this.#role.retryNow();
  }

  post(message: Wire): void {
    this.#channel?.postMessage(message);
  }

  /** The channel, the wait for the lock, and a hello to the leader. */
  #open(): void {
    const name = this.#name!;
    const channel = new BroadcastChannel(name);
    channel.onmessage = (event: MessageEvent<Wire>) => this.#channel === channel && this.#role.receive(event.data);
    this.#channel = channel;
    const lock = new AbortController();
    this.#lock = lock;
    navigator.locks
      .request(name, { signal: lock.signal }, () => {
        if (this.#lock !== lock) return undefined;
        this.#lead();
        return new Promise<void>((resolve) => (this.#release = resolve));
      })
      .catch(() => {}); // aborted: this tab stopped waiting
    this.post({ k: 'hello', from: TAB });
  }

  /** This tab got the lock: it connects, with its elements and the other tabs. */
  #lead(): void {
    const follower = this.#role as TabFollower;
    const leader = new TabLeader(this);
    this.#role = leader;
    follower.handOver(leader);
  }

  /** The leader's socket closed for good by itself (credentials refused): so does this link, once the other tabs were told. */
  machineClosed(machine: SocketMachine): void {
    queueMicrotask(() => this.#role instanceof TabLeader && this.#role.machine === machine && this.stop());
  }

  /** Leaves the channel and the lock; a leader resigns first. Returns the follower this tab is now. */
  #withdraw(): TabFollower {
    const role = this.#role;
    const follower = role instanceof TabLeader ? role.resign() : role.withdraw();
    this.#role = follower;
    this.#lock?.abort();
    this.#lock = null;
    this.#release?.();
    this.#release = null;
    this.#channel?.close();
    this.#channel = null;
    return follower;
  }

  /** `pagehide` or `freeze`: this tab may never run again, or not for long: another tab takes over. */
  readonly #suspend = (): void => {
    if (this.#closed || this.#suspended) return;
    this.#suspended = true;
    this.#withdraw().show(reconnecting());
  };

  /** `pageshow` from the back/forward cache, or `resume`: this tab follows (or leads) again. */
  readonly #resume = (): void => {
    if (this.#closed || !this.#suspended) return;
    this.#suspended = false;
    if (this.#name !== null) this.#open();
  };

  /** Closes for good: the last element left, or the credentials were refused. */
  stop(): void {
    if (this.#closed) return;
    this.#withdraw().dispose();
    this.#closed = true;
    removeEventListener('pagehide', this.#suspend);
    removeEventListener('pageshow', this.#resume);
    document.removeEventListener('freeze', this.#suspend);
    document.removeEventListener('resume', this.#resume);
    this.onClosed();
  }
}

/**
 * A command this tab handed on and the leader did not acknowledge yet; `to` is the leader it was posted to
 * ('' none yet), `ref` what its element passed with it (its reply carries it back).
 */
interface Held {
  text: string;
  reply: string | undefined;
  from: SocketMember | undefined;
  ref: unknown;
  to: string;
}

/**
 * A tab that follows: its elements mirror the leader's status and get its frames, parsed once here;
 * their commands go to the leader and are held until it acknowledges them.
 */
class TabFollower {
  #last: KimiStatusDetail = { state: 'connecting', attempt: 0, nextRetryAt: null, closeCode: null, closeReason: '' };
  #facts: Facts = { since: null, extensions: '', protocol: '', handshakeMs: null, rttMs: null };
  /** The leader whose status came last ('' none, or it resigned). */
  #leader = '';
  readonly #metrics = new ConnectionMetrics();
  readonly #pump = new FramePump<Wire>((message) => this.#handle(message));
  readonly #sampler: ReturnType<typeof setInterval>;
  readonly #unacked = new Map<number, Held>();
  #sent = 0;
  /** Replies this tab's elements await, by command id (the leader's router sends the id back with the reply). */
  readonly #awaited = new ReplyOwners<Awaiting & { id: number }>();
  #disposed = false;

  constructor(
    private readonly link: TabLink,
    held: Held[] = [],
  ) {
    this.#metrics.start();
    this.#sampler = setInterval(() => this.#metrics.sample(), 1000);
    for (const h of held) this.#hold(h);
  }

  get isOpen(): boolean {
    return this.#last.state === 'open';
  }

  get connectedSince(): number | null {
    return this.#last.state === 'open' ? this.#facts.since : null;
  }

  get snapshot(): KimiConnectionMetrics {
    const f = this.#facts;
    const m = this.#metrics;
    Object.assign(m, { extensions: f.extensions, protocol: f.protocol, handshakeMs: f.handshakeMs, rttMs: f.rttMs });
    return m.snapshot(this.link.members.length, 'another-tab');
  }

  join(member: SocketMember): void {
    member.status({ ...this.#last });
  }

  leave(member: SocketMember): void {
    // Its replies reach no element of this tab; the leader stops counting them against its bound.
    this.#release((a) => a.member === member, true);
    for (const held of this.#unacked.values()) if (held.from === member) held.from = undefined;
  }

  send(text: string, reply: string | undefined, from: SocketMember | undefined, ref: unknown): string | undefined {
    if (this.#unacked.size >= MAX_HELD) return full(`${MAX_HELD} commands await the leader tab`);
    if (reply !== undefined && this.#awaited.full) return awaitedFull(MAX_AWAITED);
    this.#hold({ text, reply, from, ref, to: this.#leader });
    return undefined;
  }

  expire(member: SocketMember, ref: unknown): void {
    this.#release((a) => a.member === member && a.ref === ref, false);
  }

  /** Expires or forgets (`gone`) the awaited replies `which` matches, here and in the leader's router. */
  #release(which: (a: Awaiting) => boolean, gone: boolean): void {
    const ids: number[] = [];
    const match = (a: Awaiting & { id: number }): boolean => which(a) && ids.push(a.id) > 0;
    this.#awaited.release(match, gone);
    for (const id of ids) this.link.post({ k: 'expire', from: TAB, id });
  }

  #hold(held: Held): void {
    const id = ++this.#sent;
    this.#unacked.set(id, held);
    if (held.reply !== undefined && held.from) this.#awaited.add(String(id), { member: held.from, ref: held.ref, id });
    if (held.to !== '') this.link.post({ k: 'send', from: TAB, to: held.to, id, text: held.text, reply: held.reply });
  }

  retryNow(): boolean {
    if (this.#last.nextRetryAt === null) return false;
    this.link.post({ k: 'retry' });
    return true;
  }

  /** What the leader posted; in order, through a pump like the leader's frames, so a burst yields to input. */
  receive(message: Wire): void {
    this.#pump.push(message);
  }

  #handle(message: Wire): void {
    if (this.#disposed) return;
    switch (message.k) {
      case 'frame':
        this.#frame(message.t, message.to, message.id);
        break;
      case 'skip':
        this.#metrics.frames++;
        this.#metrics.bytes += message.b;
        for (const m of this.link.members) m.skip(message.b);
        break;
      case 'status':
        this.#status(message.from, message.d, message.f);
        break;
      case 'error':
        if (message.to === undefined || message.to === TAB) for (const m of this.link.members) m.error({ ...message.d });
        break;
      case 'ack':
        if (message.to === TAB) this.#acked(message.id, message.refused);
        break;
      case 'replay':
        if (message.to === TAB) for (const data of message.t) this.#frame(data, undefined, undefined);
        break;
      case 'resign':
        this.#resigned(message.from);
        break;
      default:
    }
  }

  #acked(id: number, refused: string | undefined): void {
    const held = this.#unacked.get(id);
    if (!held) return;
    this.#unacked.delete(id);
    if (refused === undefined) return;
    this.#awaited.claimKey(String(id));
    held.from?.unsent(held.text, false, refused, held.ref);
  }

  /** A leader resigned: it wrote what it acknowledged and nothing else, so the rest goes to the next leader. */
  #resigned(gone: string): void {
    for (const [id, held] of this.#unacked) if (held.to === gone) this.#reassign(id, held);
    if (gone === this.#leader) {
      this.#leader = '';
      this.show(reconnecting());
    } else this.#sendHeld();
  }

  /**
   * A command the leader `held.to` did not write: it goes to the next leader, unless it is a request's
   * (the request is rejected as `disconnected` by the status change that follows: the connection that
   * would answer it is gone), so a rejected request is never written later.
   */
  #reassign(id: number, held: Held): void {
    if (held.ref === undefined) held.to = '';
    else {
      this.#unacked.delete(id);
      this.#awaited.claimKey(String(id));
    }
  }

  /** Posts to the current leader what no leader took. */
  #sendHeld(): void {
    const to = this.#leader;
    if (to === '') return;
    for (const [id, held] of this.#unacked) {
      if (held.to !== '') continue;
      held.to = to;
      this.link.post({ k: 'send', from: TAB, to, id, text: held.text, reply: held.reply });
    }
  }

  /** After a grace period, reports what `former` (a leader that did not resign by then) did not confirm. */
  #awaitResign(former: string): void {
    setTimeout(() => {
      if (this.#disposed) return;
      for (const [id, held] of this.#unacked) if (held.to === former) this.#unconfirmed(id, held);
    }, RESIGN_GRACE_MS);
  }

  /** Tells this tab's elements `detail` (the leader's status, or its absence). */
  show(detail: KimiStatusDetail): void {
    const wasOpen = this.#last.state === 'open';
    this.#last = detail;
    if (detail.state === 'open' && !wasOpen) this.#metrics.opened(this.#facts.extensions, this.#facts.protocol);
    else if (detail.state !== 'open' && wasOpen) {
      this.#metrics.closed(detail.closeCode ?? 0, detail.closeReason, true);
      // Replies come on the connection that was asked only.
      this.#awaited.clear();
    }
    for (const m of this.link.members) m.status({ ...detail });
  }

  /** The leader's status, mirrored by every element of this tab. */
  #status(from: string, detail: KimiStatusDetail, facts: Facts): void {
    this.#facts = facts;
    if (from !== this.#leader) {
      // A new leader: this tab tells it that it follows (a leader relays frames only while some tab
      // follows); what no leader took goes to it, and what a former leader did not confirm is reported
      // unless that leader resigns soon (its resign may come after this status).
      const former = this.#leader;
      this.#leader = from;
      this.link.post({ k: 'hello', from: TAB });
      this.#sendHeld();
      if (former !== '') this.#awaitResign(former);
    }
    this.show(detail);
    // Credentials refused: the leader's socket is closed for good, and so is every tab's.
    if (detail.state === 'closed') this.link.stop();
  }

  #unconfirmed(id: number, held: Held): void {
    this.#unacked.delete(id);
    this.#awaited.claimKey(String(id));
    held.from?.unsent(held.text, 'unknown', UNCONFIRMED, held.ref);
  }

  /** A frame of the leader's socket, parsed once for this tab's elements. */
  #frame(data: unknown, to: string | undefined, id: number | undefined): void {
    const bytes = this.#metrics.count(data);
    const members = this.link.members;
    if (to !== undefined && to !== TAB) {
      // Another tab's reply.
      for (let i = 0; i < members.length; i++) members[i]!.skip(bytes);
      return;
    }
    const owner = id === undefined ? undefined : this.#awaited.claimKey(String(id));
    if (id !== undefined && !owner) {
      // The reply to an element of this tab that left: for no one here.
      for (let i = 0; i < members.length; i++) members[i]!.skip(bytes);
      return;
    }
    deliverFrame(members, parseFrame(data), bytes, data, owner?.member, owner?.ref);
  }

  /** This tab leaves the channel (closing, or into the back/forward cache): acknowledgements posted from now on are lost. */
  withdraw(): TabFollower {
    if (this.#leader !== '') this.link.post({ k: 'bye', from: TAB });
    for (const [id, held] of this.#unacked) if (held.to !== '') this.#unconfirmed(id, held);
    this.#leader = '';
    return this;
  }

  /**
   * This tab leads now: what no leader took is written by it; what a former leader did not confirm
   * waits for that leader's resign (then it is written) or is reported after a grace period.
   */
  handOver(leader: TabLeader): void {
    // What the pump still holds (a resign among it) comes first.
    this.#pump.flush();
    for (const held of this.#unacked.values()) {
      // A request's command is not carried over: the status change of the new connection rejects it.
      if (held.ref !== undefined) continue;
      if (held.to === '') leader.sendOwn(held);
      else leader.inherit(held);
    }
    this.#unacked.clear();
    this.dispose();
  }

  dispose(): void {
    this.#disposed = true;
    clearInterval(this.#sampler);
  }
}

/**
 * The tab that holds the socket: its `SocketMachine` has this tab's elements and `otherTabs`, one member
 * standing for every other tab, which posts what the socket says to them and writes their commands.
 */
class TabLeader {
  readonly machine: SocketMachine;
  /** Commands waiting for the connection: other tabs' (`mine` undefined), or this tab's own from when it followed. */
  #backlog: (Command | (Held & { own: true }))[] = [];
  /** The tabs that follow (said hello or sent a command, and did not say bye). */
  readonly #followers = new Set<string>();
  /** The latest `init` and session frames after it, for a tab that starts following. */
  #sessionFrames = new Map<string, unknown>();
  readonly #otherTabs: SocketMember;
  /** This tab's commands posted to a former leader that has not resigned (yet). */
  #inherited: Held[] = [];

  constructor(private readonly link: TabLink) {
    const members = (): readonly SocketMember[] => link.members;
    this.#otherTabs = {
      // Read through this tab's first element: `otherTabs` joins the machine first.
      get settings() {
        return members()[0]!.settings;
      },
      identity: link.identity,
      status: (d) => {
        this.link.post({ k: 'status', from: TAB, d, f: this.#facts() });
        if (d.state === 'open') this.#drain();
      },
      error: (d) => this.link.post({ k: 'error', d }),
      frame: (message, _bytes, data, ref) => {
        // The reply to another tab's command: the socket's router found the tab and its command id.
        if (ref) return this.link.post({ k: 'frame', t: data, ...(ref as TabRef) });
        if (!(message instanceof FrameProblem)) this.#noteSession(message, data);
        // Alone: nothing to post (a post per frame, with no tab listening, halved a busy page's throughput).
        if (this.#followers.size !== 0) this.link.post({ k: 'frame', t: data });
      },
      skip: (b) => {
        if (this.#followers.size !== 0) this.link.post({ k: 'skip', b });
      },
      unsent: () => {},
    };
    const machine = new SocketMachine(link.identity, () => link.machineClosed(machine));
    this.machine = machine;
    // The other tabs first: what they sent before goes out before this tab's newer commands.
    machine.join(this.#otherTabs);
    for (const m of link.members) machine.join(m);
  }

  get isOpen(): boolean {
    return this.machine.isOpen;
  }

  get connectedSince(): number | null {
    return this.machine.connectedSince;
  }

  get snapshot(): KimiConnectionMetrics {
    return { ...this.machine.snapshot, sharedBy: this.link.members.length };
  }

  join(member: SocketMember): void {
    this.machine.join(member);
  }

  leave(member: SocketMember): void {
    this.machine.leave(member);
  }

  send(text: string, reply: string | undefined, from: SocketMember | undefined, ref: unknown): string | undefined {
    return this.machine.send(text, reply, from, ref);
  }

  expire(member: SocketMember, ref: unknown): void {
    this.machine.expire(member, ref);
  }

  retryNow(): boolean {
    return this.machine.retryNow();
  }

  /** The awaited replies of tab `to` (of its command `id`, or all): expired, or (`gone`) for no one. */
  #releaseTab(to: string, id: number | null, gone: boolean): void {
    const others = this.#otherTabs;
    this.machine.release((a) => a.member === others && (a.ref as TabRef).to === to && (id === null || (a.ref as TabRef).id === id), gone);
  }

  /** A command this tab held from when it followed, that no leader took: written now, or when the socket opens. */
  sendOwn(held: Held): void {
    if (this.machine.isOpen) this.#writeOwn(held);
    else this.#backlog.push({ ...held, own: true });
  }

  /** A command this tab posted to a former leader `held.to` that did not confirm it: written if that leader resigns soon, else reported. */
  inherit(held: Held): void {
    this.#inherited.push(held);
    if (this.#inherited.length === 1) {
      setTimeout(() => {
        const unconfirmed = this.#inherited;
        this.#inherited = [];
        for (const h of unconfirmed) h.from?.unsent(h.text, 'unknown', UNCONFIRMED, h.ref);
      }, RESIGN_GRACE_MS);
    }
  }

  #writeOwn(held: Held): void {
    const refused = this.machine.send(held.text, held.reply, held.from, held.ref);
    if (refused !== undefined) held.from?.unsent(held.text, false, refused, held.ref);
  }

  #noteSession(message: KimiMessage, data: unknown): void {
    const type = message.type;
    if (type === 'init') {
      this.#sessionFrames = new Map([[type, data]]);
    } else if (SESSION_TYPES.has(type)) {
      // The latest of each, in the order they came.
      this.#sessionFrames.delete(type);
      this.#sessionFrames.set(type, data);
    }
  }

  receive(message: Wire): void {
    switch (message.k) {
      case 'send':
        // Addressed to a former leader: that tab's fate decides (see `TabFollower.status`).
        if (message.to === TAB && this.#follow(message.from)) this.#write(message);
        break;
      case 'retry':
        this.machine.retryNow();
        break;
      case 'hello':
        if (this.#follow(message.from)) this.#otherTabs.status(this.machine.status);
        break;
      case 'bye':
        this.#followers.delete(message.from);
        this.#releaseTab(message.from, null, true);
        break;
      case 'expire':
        this.#releaseTab(message.from, message.id, false);
        break;
      case 'resign': {
        // The former leader wrote what it acknowledged and nothing else: this tab writes the rest.
        const resent = this.#inherited.filter((h) => h.to === message.from);
        this.#inherited = this.#inherited.filter((h) => h.to !== message.from);
        for (const held of resent) this.sendOwn({ ...held, to: '' });
        break;
      }
      default:
    }
  }

  /** `tab` follows; a tab new to this leader is given the session frames it missed. False when refused (too many tabs). */
  #follow(tab: string): boolean {
    if (this.#followers.has(tab)) return true;
    if (this.#followers.size >= MAX_FOLLOWERS) {
      this.link.post({
        k: 'error',
        to: tab,
        d: { kind: 'connection', message: `${MAX_FOLLOWERS} tabs share the connection already (the bound); this tab gets nothing.` },
      });
      return false;
    }
    this.#followers.add(tab);
    if (this.#sessionFrames.size !== 0) this.link.post({ k: 'replay', to: tab, t: [...this.#sessionFrames.values()] });
    return true;
  }

  /** Sends what waited for the connection, in order. */
  #drain(): void {
    const waiting = this.#backlog;
    this.#backlog = [];
    // Each goes back to the backlog, in order, if the connection closed meanwhile.
    for (const command of waiting) {
      if ('own' in command) this.sendOwn(command);
      else this.#write(command);
    }
  }

  /** A command of another tab: written and acknowledged, held until the socket opens, or refused. */
  #write(command: Command): void {
    const machine = this.machine;
    const ack = (refused?: string): void =>
      this.link.post(refused === undefined ? { k: 'ack', to: command.from, id: command.id } : { k: 'ack', to: command.from, id: command.id, refused });
    if (!machine.isOpen) {
      if (this.#backlog.length < MAX_HELD) this.#backlog.push(command);
      else ack(full(`${MAX_HELD} commands wait in the leader tab`));
      return;
    }
    const ref: TabRef = { to: command.from, id: command.id };
    ack(machine.send(command.text, command.reply, command.reply === undefined ? undefined : this.#otherTabs, ref));
  }

  #facts(): Facts {
    const machine = this.machine;
    const m = machine.metrics;
    return { since: machine.connectedSince, extensions: m.extensions, protocol: m.protocol, handshakeMs: m.handshakeMs, rttMs: m.rttMs };
  }

  /**
   * Stops leading: says so to the other tabs (everything written was acknowledged before this), closes the
   * socket, and returns the follower this tab becomes, holding its own commands that waited for the socket.
   */
  resign(): TabFollower {
    this.link.post({ k: 'resign', from: TAB });
    this.machine.stop(CLOSED_BY_PAGE, 'the tab stopped leading');
    const own = this.#backlog.filter((c): c is Held & { own: true } => 'own' in c).map(({ text, reply, from, ref }) => ({ text, reply, from, ref, to: '' }));
    this.#backlog = [];
    return new TabFollower(this.link, own);
  }
}
