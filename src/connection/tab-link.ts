import { SocketMachine, deliverFrame, type PageSocket, type SocketIdentity, type SocketMember } from './socket-machine.js';
import { FramePump } from './frame-pump.js';
import { ConnectionMetrics, type KimiConnectionMetrics } from './connection-metrics.js';
import type { KimiErrorDetail } from '../events/kimi-error-event.js';
import type { KimiStatusDetail } from '../events/kimi-status-event.js';
import { parseFrame } from '../protocol/parse-frame.js';
import { ReplyOwners } from './reply-owners.js';

/** What the leader tells about its connection with each status. */
interface Facts {
  since: number | null;
  extensions: string;
  protocol: string;
  handshakeMs: number | null;
  rttMs: number | null;
}

/** A command of a tab: `mine` is set for this tab's own, left over from when it followed. */
interface Command {
  k: 'send';
  from: string;
  id: number;
  text: string;
  reply: string | undefined;
  mine?: SocketMember | undefined;
}

/** Messages between the tabs of one socket, over its BroadcastChannel. */
type Wire =
  | { k: 'hello'; from: string }
  | { k: 'bye'; from: string }
  | { k: 'retry' }
  | Command
  | { k: 'ack'; to: string; id: number }
  | { k: 'status'; from: string; d: KimiStatusDetail; f: Facts }
  | { k: 'error'; d: KimiErrorDetail }
  | { k: 'frame'; t: unknown; to?: string }
  | { k: 'skip'; b: number };

/** This tab, among the others. */
const TAB = Math.random().toString(36).slice(2, 10);
/** Commands held at once, at most (sent and not acknowledged yet, or waiting for the leader's connection). */
const MAX_HELD = 1000;

/**
 * Whether a socket can be shared with the other tabs of the origin: the browser has Web Locks (secure
 * contexts only) and BroadcastChannel, and the credentials can be compared across tabs (none, or a
 * string; a token function can only be compared within its page).
 */
export const canShareAcrossTabs = ({ token }: SocketIdentity): boolean =>
  typeof token !== 'function' && typeof BroadcastChannel === 'function' && typeof navigator.locks?.request === 'function';

/** The name of the lock and channel of an identity: a token appears only as a hash. */
function nameOf({ url, token, authVia }: SocketIdentity): string {
  let hash = 0x811c9dc5;
  if (typeof token === 'string') for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  return `kimi-realtime ${authVia} ${token ? (hash >>> 0).toString(36) : '-'} ${url}`;
}

/**
 * One socket shared by the tabs of an origin. The tab holding the Web Lock named after the socket
 * leads: it runs the `SocketMachine`, whose members are this tab's elements and a relay that posts
 * every frame, status and error to the other tabs over a BroadcastChannel (messages that background
 * tabs receive at once: only timers are throttled), and sends their commands. Every other tab follows:
 * it parses each frame once for its own elements and posts their commands to the leader. When the
 * leader tab closes (or crashes, or is discarded) the browser releases its lock and the next tab
 * waiting for it leads at once.
 *
 * Commands: a follower keeps what it posted until the leader says it wrote it to the socket (`ack`),
 * and posts it again to a new leader; the leader skips what it already took from that tab, so a
 * command is sent once. A direct reply goes back to the tab that asked only.
 */
export class TabLink implements PageSocket {
  members: readonly SocketMember[] = [];
  private machine: SocketMachine | null = null;
  private readonly channel: BroadcastChannel;
  private readonly waiting = new AbortController();
  private release: (() => void) | null = null;
  private closed = false;
  /** As a follower: the leader's last status, and which tab it came from. */
  private last: KimiStatusDetail = { state: 'connecting', attempt: 0, nextRetryAt: null, closeCode: null, closeReason: '' };
  private facts: Facts = { since: null, extensions: '', protocol: '', handshakeMs: null, rttMs: null };
  private leader = '';
  private readonly metrics = new ConnectionMetrics();
  private readonly pump = new FramePump<Wire>((message) => this.follow(message));
  private sampler: ReturnType<typeof setInterval>;
  /** As a follower: commands posted and not acknowledged, and the members awaiting replies. */
  private readonly unacked = new Map<number, { text: string; reply: string | undefined; from: SocketMember | undefined }>();
  private sent = 0;
  private readonly awaited = new ReplyOwners<SocketMember>();
  /** As the leader: commands of other tabs waiting for the connection, who awaits which reply, what each tab sent last. */
  private backlog: Command[] = [];
  private readonly replyTabs = new ReplyOwners<string>();
  private readonly taken = new Map<string, number>();
  /** As the leader: the tabs that follow (said hello or sent a command, and did not say bye). */
  private readonly followers = new Set<string>();

  /** The other tabs, as one member of the leader's socket. */
  private readonly relay: SocketMember;

  constructor(
    readonly identity: SocketIdentity,
    private readonly onClosed: () => void,
  ) {
    const members = (): readonly SocketMember[] => this.members;
    this.relay = {
      // Read through this tab's first element: the relay joins the machine first (see `lead`).
      get settings() {
        return members()[0]!.settings;
      },
      identity,
      status: (d) => {
        this.post({ k: 'status', from: TAB, d, f: this.leaderFacts() });
        if (d.state === 'open') this.drain();
        // Replies come on the connection that was asked only.
        else this.replyTabs.clear();
      },
      error: (d) => this.post({ k: 'error', d }),
      frame: (message, _bytes, data) => {
        // Alone: nothing to relay (a post per frame, with no tab listening, halved a busy page's throughput).
        if (this.followers.size === 0) return;
        const to = this.replyTabs.take(message);
        this.post(to === undefined ? { k: 'frame', t: data } : { k: 'frame', t: data, to });
      },
      skip: (b) => {
        if (this.followers.size !== 0) this.post({ k: 'skip', b });
      },
    };
    const name = nameOf(identity);
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event: MessageEvent<Wire>) => this.receive(event.data);
    this.metrics.start();
    this.sampler = setInterval(() => this.metrics.sample(), 1000);
    navigator.locks
      .request(name, { signal: this.waiting.signal }, () => {
        if (this.closed) return undefined;
        this.lead();
        return new Promise<void>((resolve) => (this.release = resolve));
      })
      .catch(() => {}); // aborted: this tab stopped waiting
    this.post({ k: 'hello', from: TAB });
    addEventListener('pagehide', this.onPageHide);
    addEventListener('pageshow', this.onPageShow);
  }

  /** A closing tab (or one going into the back-forward cache) stops following; one coming back follows again. */
  private readonly onPageHide = (): void => {
    if (!this.machine) this.post({ k: 'bye', from: TAB });
  };

  private readonly onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted && !this.machine) this.post({ k: 'hello', from: TAB });
  };

  get isOpen(): boolean {
    return this.machine ? this.machine.isOpen : this.last.state === 'open';
  }

  get connectedSince(): number | null {
    return this.machine ? this.machine.connectedSince : this.last.state === 'open' ? this.facts.since : null;
  }

  get snapshot(): KimiConnectionMetrics {
    if (this.machine) return { ...this.machine.snapshot, sharedBy: this.members.length };
    const f = this.facts;
    const m = this.metrics;
    Object.assign(m, { extensions: f.extensions, protocol: f.protocol, handshakeMs: f.handshakeMs, rttMs: f.rttMs });
    return m.snapshot(this.members.length, 'another-tab');
  }

  join(member: SocketMember): void {
    this.members = [...this.members, member];
    if (this.machine) this.machine.join(member);
    else member.status({ ...this.last });
  }

  leave(member: SocketMember): void {
    this.members = this.members.filter((m) => m !== member);
    this.awaited.forget(member);
    this.machine?.leave(member);
    if (this.members.length === 0) this.stop();
  }

  send(text: string, reply?: string, from?: SocketMember): void {
    if (this.machine) return this.machine.send(text, reply, from);
    if (reply !== undefined && from) this.awaited.add(reply, from);
    const id = ++this.sent;
    if (this.unacked.size >= MAX_HELD) this.unacked.delete(this.unacked.keys().next().value!);
    this.unacked.set(id, { text, reply, from });
    this.post({ k: 'send', from: TAB, id, text, reply });
  }

  retryNow(): boolean {
    if (this.machine) return this.machine.retryNow();
    if (this.last.nextRetryAt === null) return false;
    this.post({ k: 'retry' });
    return true;
  }

  /** This tab got the lock: it connects, with its elements and the relay to the other tabs. */
  private lead(): void {
    const machine = new SocketMachine(this.identity, () => this.machineClosed(machine));
    this.machine = machine;
    // The relay first: what the other tabs sent before goes out before this tab's newer commands.
    machine.join(this.relay);
    for (const m of this.members) machine.join(m);
    // What this tab had posted to the former leader without an answer goes out on this connection.
    for (const [id, { text, reply, from }] of this.unacked) this.backlog.push({ k: 'send', from: TAB, id, text, reply, mine: from });
    this.unacked.clear();
    this.awaited.clear();
  }

  /** The leader's socket closed for good by itself (credentials refused): so does this link, once the relay told the other tabs. */
  private machineClosed(machine: SocketMachine): void {
    queueMicrotask(() => this.machine === machine && this.stop());
  }

  private stop(): void {
    if (this.closed) return;
    this.onPageHide();
    removeEventListener('pagehide', this.onPageHide);
    removeEventListener('pageshow', this.onPageShow);
    this.closed = true;
    clearInterval(this.sampler);
    const machine = this.machine;
    this.machine = null;
    machine?.leave(this.relay);
    this.waiting.abort();
    this.release?.();
    this.channel.close();
    this.onClosed();
  }

  private post(message: Wire): void {
    if (!this.closed) this.channel.postMessage(message);
  }

  private leaderFacts(): Facts {
    const machine = this.machine;
    const m = machine?.metrics;
    return {
      since: machine?.connectedSince ?? null,
      extensions: m?.extensions ?? '',
      protocol: m?.protocol ?? '',
      handshakeMs: m?.handshakeMs ?? null,
      rttMs: m?.rttMs ?? null,
    };
  }

  /** As the leader: sends what waited for the connection, in order. */
  private drain(): void {
    const waiting = this.backlog;
    this.backlog = [];
    // Each goes back to the backlog, in order, if the connection closed meanwhile.
    for (const command of waiting) this.take(command);
  }

  /** As the leader: a command of another tab (or an own one left from following), written once. */
  private take(command: Command): void {
    const machine = this.machine!;
    if (!machine.isOpen) {
      if (this.backlog.length < MAX_HELD) this.backlog.push(command);
      return;
    }
    if (command.from === TAB) {
      machine.send(command.text, command.reply, command.mine);
      return;
    }
    if ((this.taken.get(command.from) ?? 0) < command.id) {
      // Tabs come and go: the oldest is forgotten past MAX_HELD (its commands then all went out long ago).
      if (this.taken.size >= MAX_HELD && !this.taken.has(command.from)) this.taken.delete(this.taken.keys().next().value!);
      this.taken.set(command.from, command.id);
      if (command.reply !== undefined) this.replyTabs.add(command.reply, command.from);
      machine.send(command.text, command.reply, command.reply === undefined ? undefined : this.relay);
    }
    this.post({ k: 'ack', to: command.from, id: command.id });
  }

  private receive(message: Wire): void {
    if (this.closed) return;
    if (this.machine) {
      // Leading: the other tabs ask.
      if (message.k === 'send') {
        this.follower(message.from);
        this.take(message);
      } else if (message.k === 'retry') this.machine.retryNow();
      else if (message.k === 'hello') {
        this.follower(message.from);
        this.relay.status(this.machine.status);
      } else if (message.k === 'bye') this.followers.delete(message.from);
      return;
    }
    // Following: in order, through a pump like the leader's frames, so a burst yields to input.
    this.pump.push(message);
  }

  /** As the leader: another tab follows (it said hello, or sent a command). */
  private follower(tab: string): void {
    if (this.followers.size >= MAX_HELD && !this.followers.has(tab)) this.followers.delete(this.followers.values().next().value!);
    this.followers.add(tab);
  }

  /** As a follower: what the leader relayed. */
  private follow(message: Wire): void {
    if (this.closed) return;
    switch (message.k) {
      case 'frame':
        this.frame(message.t, message.to);
        break;
      case 'skip':
        this.metrics.frames++;
        this.metrics.bytes += message.b;
        for (const m of this.members) m.skip(message.b);
        break;
      case 'status':
        this.status(message.from, message.d, message.f);
        break;
      case 'error':
        for (const m of this.members) m.error({ ...message.d });
        break;
      case 'ack':
        if (message.to === TAB) this.unacked.delete(message.id);
        break;
      default:
    }
  }

  /** As a follower: the leader's status, mirrored by every element of this tab. */
  private status(from: string, detail: KimiStatusDetail, facts: Facts): void {
    const wasOpen = this.last.state === 'open';
    this.last = detail;
    this.facts = facts;
    if (detail.state === 'open' && !wasOpen) this.metrics.opened(facts.extensions, facts.protocol);
    else if (detail.state !== 'open' && wasOpen) {
      this.metrics.closed(detail.closeCode ?? 0, detail.closeReason, true);
      // Replies come on the connection that was asked only.
      this.awaited.clear();
    }
    if (from !== this.leader) {
      // A new leader: this tab tells it that it follows (a leader relays frames only while some tab
      // follows), and what the former one did not acknowledge goes to it (it skips what it has).
      this.leader = from;
      this.post({ k: 'hello', from: TAB });
      for (const [id, { text, reply }] of this.unacked) this.post({ k: 'send', from: TAB, id, text, reply });
    }
    for (const m of this.members) m.status({ ...detail });
    // Credentials refused: the leader's socket is closed for good, and so is every tab's.
    if (detail.state === 'closed') this.stop();
  }

  /** As a follower: a frame of the leader's socket, parsed once for this tab's elements. */
  private frame(data: unknown, to: string | undefined): void {
    const bytes = this.metrics.count(data);
    const members = this.members;
    if (to !== undefined && to !== TAB) {
      // Another tab's reply.
      for (let i = 0; i < members.length; i++) members[i]!.skip(bytes);
      return;
    }
    const message = parseFrame(data);
    deliverFrame(members, message, bytes, data, to === TAB ? this.awaited.take(message) : undefined);
  }
}
