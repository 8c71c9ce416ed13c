import { FrameProblem } from '../protocol/parse-frame.js';
import type { KimiMessage } from '../protocol/messages.js';
import { REPLY_TYPES, replyKey } from '../protocol/requests.js';

/**
 * Replies awaited at once on one table, at most (STYLE 24: past it a new command is refused, never an
 * owner forgotten); as many again may be expired (see `ReplyOwners`).
 */
export const MAX_AWAITED = 1000;

/** One command's awaited reply. `owner` null: its owner left, the reply is for no one here. */
interface Slot<T> {
  readonly key: string;
  owner: T | null;
}

/**
 * Who awaits which direct reply (by `replyKey`, or any key the caller chooses), first asked first
 * answered: the one reply router of the socket layer. The socket machine asks it once per frame; what
 * it stores travels with the frame (`SocketMember.frame`'s `ref`), to another tab too, so no later
 * step looks the owner up again.
 *
 * A slot is *awaited* until its reply comes, or until it is *expired*: its request timed out or was
 * aborted (a late reply still goes to its owner, as an event), or its owner left (a late reply goes
 * to no one, never to another element): `release`. Awaited slots are bounded by `max`: past it
 * `add` refuses (returns false) and the caller refuses the command, so a server that never answers
 * fills the table with requests that are still waiting, not with ones that gave up. Expired slots
 * are bounded by `max` too: past it a slot that expires keeps counting as awaited (so the bound
 * refuses new commands, clearly), and no slot is ever dropped while its reply may still come: a reply
 * never reaches an element that did not ask.
 */
export class ReplyOwners<T> {
  private readonly byKey = new Map<string, Slot<T>[]>();
  /** Expired slots, oldest first. */
  private readonly expired = new Set<Slot<T>>();
  private count = 0;

  constructor(readonly max = MAX_AWAITED) {}

  /** Replies awaited now (expired slots not counted). */
  get size(): number {
    return this.count;
  }

  /** Expired slots kept for a late reply (at most `max`). */
  get expiredSize(): number {
    return this.expired.size;
  }

  get full(): boolean {
    return this.count >= this.max;
  }

  /** `owner` awaits the reply `key`; false (nothing recorded) when the table is full. */
  add(key: string, owner: T): boolean {
    if (this.count >= this.max) return false;
    const slots = this.byKey.get(key);
    const slot = { key, owner };
    if (slots) slots.push(slot);
    else this.byKey.set(key, [slot]);
    this.count++;
    return true;
  }

  /**
   * Who `message` answers, if it is a reply someone awaits (removed: a reply answers once): the
   * owner, null when the slot's owner left (the reply is for no one here), undefined when it answers
   * no slot. Per frame, one size check when nothing is awaited.
   */
  claim(message: KimiMessage | FrameProblem): T | null | undefined {
    if ((this.count === 0 && this.expired.size === 0) || message instanceof FrameProblem || !REPLY_TYPES.has(message.type)) return undefined;
    return this.claimKey(replyKey(message.type, (message as { requestId?: unknown }).requestId));
  }

  /** The owner of the first slot under `key` (removed), null when its owner left, undefined when there is none. */
  claimKey(key: string): T | null | undefined {
    const slots = this.byKey.get(key);
    if (!slots) return undefined;
    const slot = slots.shift()!;
    if (slots.length === 0) this.byKey.delete(key);
    if (!this.expired.delete(slot)) this.count--;
    return slot.owner;
  }

  /**
   * The slots whose owner `which` matches give up waiting: a late reply still goes to the owner (a request
   * that timed out or was aborted), or, `gone`, to no one (the owner left; never to another element). They
   * stop counting against `max` while fewer than `max` are expired; past that they keep counting.
   */
  release(which: (owner: T) => boolean, gone: boolean): void {
    for (const slots of this.byKey.values()) {
      for (const slot of slots) {
        const expired = this.expired.has(slot);
        if (slot.owner === null || (expired && !gone) || !which(slot.owner)) continue;
        if (gone) slot.owner = null;
        if (expired || this.expired.size >= this.max) continue;
        this.expired.add(slot);
        this.count--;
      }
    }
  }

  clear(): void {
    this.byKey.clear();
    this.expired.clear();
    this.count = 0;
  }
}
