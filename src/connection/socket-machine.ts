import { retryDelay } from './backoff.js';
import { Transport, type SocketTarget } from './partysocket-adapter.js';
import { protocolToken, redact } from '../internal/secrets.js';
import type { KimiErrorDetail } from '../events/kimi-error-event.js';
import type { ConnectionState, KimiStatusDetail } from '../events/kimi-status-event.js';
import { FrameProblem, parseFrame } from '../protocol/parse-frame.js';
import { FramePump } from './frame-pump.js';
import type { KimiMessage } from '../protocol/messages.js';
import { ConnectionMetrics, type KimiConnectionMetrics } from './connection-metrics.js';
import { ReplyOwners } from './reply-owners.js';

/** Why a command with a reply is refused when `max` replies are awaited already. */
export const full = (what: string): string => `not sent: ${what} already (the bound)`;
export const awaitedFull = (max: number): string => full(`${max} replies awaited on the connection`);

/** A token, or a function that returns one (called before every connection attempt). */
export type TokenSource = string | (() => string | null | undefined | Promise<string | null | undefined>) | null;

/** The connection options of an element, as the socket reads them (see `SocketMachine`). */
export interface ConnectionSettings {
  readonly resolvedUrl: string;
  readonly reconnectDelay: number;
  readonly reconnectDelayMax: number;
  readonly reconnectGrowth: number;
  readonly reconnectJitter: number;
  readonly stableAfter: number;
  readonly connectTimeout: number;
  readonly idleTimeout: number;
  readonly pingInterval: number;
  readonly token: TokenSource;
  readonly authVia: 'query' | 'protocol';
  readonly authCloseCodes: readonly number[];
  readonly debug: boolean;
}

/** What a socket is: elements with the same identity share one socket in a page. */
export interface SocketIdentity {
  readonly url: string;
  /** The token source, compared by identity (the same string, or the same function). */
  readonly token: TokenSource;
  readonly authVia: 'query' | 'protocol';
  /** Not shared with any other element. */
  readonly own: boolean;
}

export const sameIdentity = (a: SocketIdentity, b: SocketIdentity): boolean =>
  a.url === b.url && a.token === b.token && a.authVia === b.authVia && a.own === b.own;

/** An element using the socket. */
export interface SocketMember {
  /** Its options; the socket reads its first member's (see `SocketMachine`). */
  readonly settings: ConnectionSettings;
  /** The socket it wants now (it moves when that changes). */
  readonly identity: SocketIdentity;
  /** Every change of state and every scheduled retry. */
  status(detail: KimiStatusDetail): void;
  error(detail: KimiErrorDetail): void;
  /**
   * A frame, parsed once for every member, its size, and the frame itself. `ref`: for the direct
   * reply to a command of this member, what it passed to `send` with it.
   */
  frame(message: KimiMessage | FrameProblem, bytes: number, data: unknown, ref?: unknown): void;
  /** A frame that is not for this member (a `pong` while the socket pings, another member's reply). */
  skip(bytes: number): void;
  /**
   * A command this member handed to `send` and that `send` had accepted was not written after all
   * (`written` false: a bound of another tab refused it), or may or may not have been (`written`
   * 'unknown': the tab holding the socket went away before confirming it). Never resent.
   */
  unsent(text: string, written: false | 'unknown', why: string, ref: unknown): void;
}

/**
 * Hands a parsed frame to every member, or, when it is the direct reply `owner` awaits, to the owner
 * alone with its `ref` (the others count it as skipped).
 */
export function deliverFrame(
  members: readonly SocketMember[],
  message: KimiMessage | FrameProblem,
  bytes: number,
  data: unknown,
  owner: SocketMember | undefined,
  ref?: unknown,
): void {
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (owner === undefined) m.frame(message, bytes, data);
    else if (m === owner) m.frame(message, bytes, data, ref);
    else m.skip(bytes);
  }
}

/** Who awaits a direct reply, and what it passed along with its command. */
export interface Awaiting {
  member: SocketMember;
  ref: unknown;
}

/** What an element uses: a `SocketMachine` of this tab, or a `TabLink` to the socket another tab holds. */
export interface PageSocket {
  readonly identity: SocketIdentity;
  readonly members: readonly SocketMember[];
  readonly isOpen: boolean;
  readonly connectedSince: number | null;
  readonly snapshot: KimiConnectionMetrics;
  join(member: SocketMember): void;
  leave(member: SocketMember): void;
  /**
   * Sends now; only while open. `reply` (a `replyKey`): the reply goes to `from` alone. Returns
   * undefined when accepted, or why it refused the command (a full table of awaited replies or held
   * commands); a refused command is not sent.
   */
  send(text: string, reply?: string, from?: SocketMember, ref?: unknown): string | undefined;
  /**
   * The request `ref` of `member` gave up waiting (timed out, aborted): its reply slot stops counting
   * against the bound; a late reply still reaches `member` alone.
   */
  expire(member: SocketMember, ref: unknown): void;
  retryNow(): boolean;
}

/**
 * The socket's phase: `idle` (not started), `connecting` (an attempt is under way: reading the token,
 * then the handshake), `open`, `waiting` (a retry is scheduled), `closed` (for good: closed by the page,
 * or credentials refused). A closed machine is never reused.
 *
 * ```
 * idle ─start→ connecting ─open→ open ─close→ waiting ─timer, retryNow→ connecting
 *                  └─failed, closed, timeout→ waiting          (auth close code, stop → closed)
 * ```
 */
export type SocketPhase = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';

/** Close code reported for an attempt abandoned after `connect-timeout` (4000 + HTTP 408, Request Timeout). */
export const CONNECT_TIMEOUT_CODE = 4408;
/** Close code sent when the idle timeout recycles a silent connection. */
export const IDLE_CLOSE_CODE = 4000;
/** Close code the page uses when it closes the socket itself. */
export const CLOSED_BY_PAGE = 1000;

/** The target of an attempt (the token, mostly) was not ready within the timeout. */
class ConnectTimeout extends Error {}
/** A token provider that failed; the message names what went wrong, never a token. */
class TokenProblem extends Error {}

type Options = Omit<ConnectionSettings, 'resolvedUrl' | 'token' | 'authVia' | 'ownConnection'>;

/**
 * One WebSocket connection and everything that decides when it connects: the whole state machine of
 * the socket layer (phases in `SocketPhase`). It reconnects with backoff, bounds each attempt with
 * `connect-timeout`, resets the attempt count after `stable-after`, pings and watches for silence,
 * and retries at once on `online` or when the tab becomes visible. partysocket (`Transport`) only
 * makes the attempts it is told to.
 *
 * Its credentials (`SocketIdentity`) are fixed when it is built, its URL is its first member's
 * `resolvedUrl` when an attempt starts (the identity's, but for a relay's resume position). Its other **options are read
 * at one moment: each time an attempt is scheduled** (when the socket starts, when it schedules a
 * retry, when the idle timeout reopens it), from the member that joined first. They hold for that
 * attempt: its delay and timeout, and the connection it opens (stable-after, ping, idle timeout).
 * A token function is called when the attempt starts.
 *
 * Each frame is parsed once here and handed to every member, except a direct reply to a command
 * (`expectReply`), which goes to the member that sent it only.
 */
export class SocketMachine implements PageSocket {
  phase: SocketPhase = 'idle';
  /** Retry number of the next attempt: 0 before the first one and after a stable connection. */
  attempt = 0;
  nextRetryAt: number | null = null;
  closeCode: number | null = null;
  closeReason = '';
  connectedSince: number | null = null;
  members: readonly SocketMember[] = [];
  readonly metrics = new ConnectionMetrics();

  private readonly transport: Transport;
  private options: Options | null = null;
  /** The state members were last told, and whether the first attempt is still the current one. */
  private state: ConnectionState = 'closed';
  private everOpened = false;
  /** The URL of the current attempt, without its token, for reports. */
  private targetUrl = '';
  private rejectTarget: ((error: unknown) => void) | null = null;
  private recycling = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private stableTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private idleTimer: ReturnType<typeof setInterval> | undefined;
  private sampler: ReturnType<typeof setInterval> | undefined;
  private pingId = 0;
  private pinging = false;
  /** Frames are handled through the pump: a burst yields to input between slices (frame-pump.ts). */
  private readonly pump = new FramePump<unknown>((data) => this.handleFrame(data));
  /** Who awaits each reply (by `replyKey`), first sender first: the server answers in order. */
  private readonly awaited = new ReplyOwners<Awaiting>();

  /** `onClosed` runs once, when the socket closes for good. `identity` is changed by the registry only. */
  constructor(
    public identity: SocketIdentity,
    private readonly onClosed?: () => void,
  ) {
    this.transport = new Transport(() => this.target(), {
      frame: (data) => this.pump.push(data),
      open: () => this.handleOpen(),
      close: (code, reason) => this.handleClose(code, reason),
      failed: (error) => this.handleFailed(error),
    });
  }

  get isOpen(): boolean {
    return this.phase === 'open' && this.transport.isOpen;
  }

  /** The metrics of the socket now (`stats.connection`). */
  get snapshot(): KimiConnectionMetrics {
    return this.metrics.snapshot(this.members.length, 'this-tab');
  }

  /** What a member joining now is told. */
  get status(): KimiStatusDetail {
    return this.detail(this.state);
  }

  /** Adds a member; the first one starts the connection, a later one is told where it stands. */
  join(member: SocketMember): void {
    if (this.phase === 'closed') throw new Error('kimi-realtime: joined a closed socket');
    this.members = [...this.members, member];
    if (this.phase === 'idle') this.start();
    else member.status(this.status);
  }

  /** Removes a member; when none is left the socket closes. */
  leave(member: SocketMember): void {
    this.members = this.members.filter((m) => m !== member);
    this.release((a) => a.member === member, true);
    if (this.members.length === 0) this.stop();
  }

  expire(member: SocketMember, ref: unknown): void {
    this.release((a) => a.member === member && a.ref === ref, false);
  }

  /** The awaited replies `which` matches give up waiting (`ReplyOwners.release`; `gone`: their late reply reaches no one). */
  release(which: (a: Awaiting) => boolean, gone: boolean): void {
    this.awaited.release(which, gone);
  }

  /** Sends now; only while open. `reply` (a `replyKey`): the reply goes to `from` alone. */
  send(text: string, reply?: string, from?: SocketMember, ref?: unknown): string | undefined {
    if (reply !== undefined && from && !this.awaited.add(reply, { member: from, ref })) return awaitedFull(this.awaited.max);
    this.transport.send(text);
    return undefined;
  }

  /** Ends a waiting retry: the attempt starts now. Returns false when no retry was waiting. */
  retryNow(): boolean {
    if (this.phase !== 'waiting') return false;
    this.log('retrying now');
    clearTimeout(this.retryTimer);
    this.nextRetryAt = Date.now();
    this.beginAttempt();
    return true;
  }

  /** Closes for good: no socket, timer or listener remains and no attempt starts (the token is not read again). */
  stop(code = CLOSED_BY_PAGE, reason = 'closed by page'): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.state = 'closed';
    this.rejectTarget = null;
    this.connectedSince = null;
    this.nextRetryAt = null;
    clearTimeout(this.retryTimer);
    clearInterval(this.sampler);
    this.stopDeadline();
    this.stopOpenTimers();
    this.listenToEnvironment(false);
    this.transport.close(code, reason);
    this.onClosed?.();
  }

  private start(): void {
    this.listenToEnvironment(true);
    this.metrics.start();
    this.sampler = setInterval(() => this.metrics.sample(), 1000);
    this.readOptions();
    this.setState('connecting');
    this.beginAttempt();
  }

  /** The one place settings are read (see the class comment). */
  private readOptions(): Options {
    const s = this.members[0]!.settings;
    return (this.options = {
      reconnectDelay: s.reconnectDelay,
      reconnectDelayMax: s.reconnectDelayMax,
      reconnectGrowth: s.reconnectGrowth,
      reconnectJitter: s.reconnectJitter,
      stableAfter: s.stableAfter,
      connectTimeout: s.connectTimeout,
      idleTimeout: s.idleTimeout,
      pingInterval: s.pingInterval,
      authCloseCodes: [...s.authCloseCodes],
      debug: s.debug,
    });
  }

  private beginAttempt(): void {
    this.phase = 'connecting';
    this.transport.attempt();
  }

  /**
   * The target of the attempt partysocket is starting (asked once per attempt): the URL, with the token
   * in the query or a subprotocol. Arms the attempt's deadline: past it, an attempt still waiting for
   * its target fails with `ConnectTimeout`; one whose socket is still connecting is closed with
   * `CONNECT_TIMEOUT_CODE`.
   */
  private target(): Promise<SocketTarget> {
    // An attempt cut short in the task it started (`connect(); disconnect()`) never reads the token.
    if (this.phase !== 'connecting') return new Promise(() => {});
    const { token, authVia } = this.identity;
    // Read now: through a relay the address carries the last frame number seen.
    const url = this.members[0]!.settings.resolvedUrl;
    const { connectTimeout } = this.options!;
    this.targetUrl = url;
    this.stopDeadline();
    return new Promise<SocketTarget>((resolve, reject) => {
      this.rejectTarget = reject;
      this.deadline = setTimeout(() => {
        this.deadline = undefined;
        const fail = this.rejectTarget;
        this.rejectTarget = null;
        if (fail) fail(new ConnectTimeout());
        else if (this.phase === 'connecting') this.transport.close(CONNECT_TIMEOUT_CODE, 'connect timeout');
      }, connectTimeout);
      targetOf(url, token, authVia).then(
        (target) => this.rejectTarget === reject && ((this.rejectTarget = null), this.metrics.attempt(), resolve(target)),
        (error: unknown) => this.rejectTarget === reject && ((this.rejectTarget = null), reject(error)),
      );
    });
  }

  private handleFrame(data: unknown): void {
    const metrics = this.metrics;
    const bytes = metrics.count(data);
    const message = parseFrame(data);
    // Copied on every join and leave, so a member leaving during the loop does not shift it.
    const members = this.members;
    if (this.pinging && !(message instanceof FrameProblem) && message.type === 'pong') {
      // Transport, not a message: counted by every member, delivered to none.
      metrics.pong(message as { echo?: unknown });
      for (let i = 0; i < members.length; i++) members[i]!.skip(bytes);
      return;
    }
    const owner = this.awaited.claim(message);
    if (owner === null) {
      // The reply to an element that left: for no one here.
      for (let i = 0; i < members.length; i++) members[i]!.skip(bytes);
      return;
    }
    deliverFrame(members, message, bytes, data, owner?.member, owner?.ref);
  }

  private handleOpen(): void {
    if (this.phase !== 'connecting') return;
    this.stopDeadline();
    this.phase = 'open';
    this.everOpened = true;
    this.nextRetryAt = null;
    this.connectedSince = Date.now();
    this.metrics.opened(this.transport.extensions, this.transport.protocol);
    const { stableAfter } = this.options!;
    this.stableTimer = setTimeout(() => (this.attempt = 0), stableAfter);
    this.setState('open');
    this.startKeepAlive();
  }

  private handleClose(code: number, reason: string): void {
    if (this.phase !== 'connecting' && this.phase !== 'open') return; // our own stop, or a stale close
    const wasOpen = this.phase === 'open';
    this.stopDeadline();
    this.stopOpenTimers();
    // Replies come on the connection that was asked only.
    this.awaited.clear();
    this.metrics.closed(code, reason, wasOpen);
    this.closeCode = code;
    this.closeReason = reason;
    this.connectedSince = null;
    this.log('closed', code, reason);
    if (this.options!.authCloseCodes.includes(code)) {
      const members = this.members;
      this.stop();
      for (const m of members) {
        m.status(this.detail('closed'));
        m.error({
          kind: 'auth',
          message: `The server refused the credentials (close code ${code}${reason ? `: ${reason}` : ''}); not retrying. Set a valid token and call connect().`,
          closeCode: code,
        });
      }
      return;
    }
    // A connection that never opened is a failed attempt; the loss of an open one is a status change.
    if (!wasOpen) {
      const timedOut = code === CONNECT_TIMEOUT_CODE;
      this.reportFailure(
        'connection',
        timedOut ? `no answer within connect-timeout (${this.options!.connectTimeout} ms)` : `closed with code ${code}${reason ? ` (${reason})` : ''}`,
        code,
      );
    }
    if (this.recycling) {
      // The idle timeout dropped a silent connection: reopen at once.
      this.recycling = false;
      this.readOptions();
      this.setState('reconnecting');
      this.beginAttempt();
      return;
    }
    this.scheduleRetry();
  }

  /** An attempt that failed before a socket existed. */
  private handleFailed(error: unknown): void {
    this.stopDeadline();
    if (this.phase !== 'connecting') return;
    const { connectTimeout } = this.options!;
    if (error instanceof TokenProblem) this.reportFailure('token', error.message);
    else if (error instanceof ConnectTimeout) this.reportFailure('token', `the token provider did not settle within connect-timeout (${connectTimeout} ms)`);
    else this.reportFailure('connection', String((error as Error | undefined)?.message ?? error));
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    const o = this.readOptions();
    const attempt = ++this.attempt;
    const delay = retryDelay(attempt, { initialDelay: o.reconnectDelay, maxDelay: o.reconnectDelayMax, growth: o.reconnectGrowth, jitter: o.reconnectJitter });
    this.phase = 'waiting';
    this.nextRetryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => this.beginAttempt(), delay);
    this.log(`retry ${attempt} in ${delay} ms`);
    this.setState(navigator.onLine === false ? 'offline' : 'reconnecting', true);
  }

  private reportFailure(kind: 'connection' | 'token', what: string, closeCode?: number): void {
    const message = redact(`Connection attempt to ${this.targetUrl} failed: ${what}. Retrying with backoff.`);
    this.log(message);
    for (const m of this.members) m.error(closeCode === undefined ? { kind, message } : { kind, message, closeCode });
  }

  private startKeepAlive(): void {
    const { pingInterval, idleTimeout } = this.options!;
    this.pinging = pingInterval > 0;
    if (this.pinging) {
      this.pingTimer = setInterval(() => {
        if (!this.isOpen) return;
        this.metrics.pingSent(++this.pingId);
        this.send(JSON.stringify({ type: 'ping', id: this.pingId }));
      }, pingInterval);
    }
    if (idleTimeout > 0) {
      // Counts frames instead of stamping each one: the per-frame path stays a single increment.
      let seen = this.metrics.frames;
      let quietSince = Date.now();
      this.idleTimer = setInterval(
        () => {
          const now = Date.now();
          if (this.metrics.frames !== seen) {
            seen = this.metrics.frames;
            quietSince = now;
          } else if (now - quietSince >= idleTimeout) {
            for (const m of this.members) {
              m.error({
                kind: 'idle-timeout',
                message: `Nothing arrived for ${idleTimeout} ms (idle-timeout); the connection was dropped and is being reopened.`,
              });
            }
            this.stopOpenTimers();
            this.recycling = true;
            this.transport.close(IDLE_CLOSE_CODE, 'idle timeout');
          }
        },
        Math.max(Math.min(idleTimeout / 4, 1000), 10),
      );
    }
  }

  private stopOpenTimers(): void {
    clearTimeout(this.stableTimer);
    clearInterval(this.pingTimer);
    clearInterval(this.idleTimer);
    this.stableTimer = this.pingTimer = this.idleTimer = undefined;
  }

  private stopDeadline(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  private listenToEnvironment(on: boolean): void {
    const method = on ? 'addEventListener' : 'removeEventListener';
    window[method]('online', this.handleOnline);
    window[method]('offline', this.handleOffline);
    document[method]('visibilitychange', this.handleVisibility);
  }

  private readonly handleOnline = (): void => {
    if (this.state === 'offline') this.setState('reconnecting', true);
    this.retryNow();
  };

  private readonly handleOffline = (): void => {
    if (this.phase !== 'open') this.setState('offline');
  };

  private readonly handleVisibility = (): void => {
    if (document.visibilityState === 'visible') this.retryNow();
  };

  /** Tells every member; `always` also when the state is unchanged (a newly scheduled retry). */
  private setState(state: ConnectionState, always = false): void {
    if (state === this.state && !always) return;
    // The first attempt is `connecting`; once a connection was lost, attempts are `reconnecting`.
    this.state = state === 'connecting' && this.everOpened ? 'reconnecting' : state;
    this.log('state', this.state);
    for (const m of this.members) m.status(this.detail(this.state));
  }

  private detail(state: ConnectionState): KimiStatusDetail {
    // The close that led to this state; `connecting` and `open` follow no close.
    const fresh = state === 'open' || state === 'connecting';
    return {
      state,
      attempt: this.attempt,
      nextRetryAt: this.nextRetryAt,
      closeCode: fresh ? null : this.closeCode,
      closeReason: fresh ? '' : this.closeReason,
    };
  }

  /** Debug log; every text goes through `redact`, so no token reaches the console. */
  private log(...args: unknown[]): void {
    // eslint-disable-next-line no-console
    if (this.options?.debug) console.debug('[kimi-realtime]', ...args.map((a) => (typeof a === 'string' ? redact(a) : a)));
  }
}

/** Where an attempt connects: the URL, with the token from the provider in the query or a subprotocol. */
async function targetOf(url: string, token: TokenSource, authVia: 'query' | 'protocol'): Promise<SocketTarget> {
  const value = token ? await readToken(token) : null;
  if (!value) return { url, protocols: null };
  if (authVia === 'protocol') return { url, protocols: ['kimi', protocolToken(value)] };
  const withToken = new URL(url);
  withToken.searchParams.set('token', value);
  return { url: withToken.href, protocols: null };
}

/** The token from a source: a string, or null for none (`null`, `undefined`, `""`). */
async function readToken(token: NonNullable<TokenSource>): Promise<string | null> {
  let value: unknown;
  try {
    value = typeof token === 'function' ? await token() : token;
  } catch (error) {
    // The error's own message could hold anything (a token too): only its name is passed on.
    throw new TokenProblem(`the token provider threw ${(error as Error | null)?.name ?? typeof error}`);
  }
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new TokenProblem(`the token provider returned a ${typeof value}, not a string`);
  return value;
}
