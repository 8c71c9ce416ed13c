import { FrameProblem } from '../protocol/parse-frame.js';
import type { KimiMessage } from '../protocol/messages.js';
import { REPLY_TYPES, replyKey } from '../protocol/requests.js';

/** Replies awaited at once on one table, at most (STYLE 24: past it a new command is refused, never an owner forgotten). */
export const MAX_AWAITED = 1000;

/**
 * Who awaits which direct reply (by `replyKey`), first asked first answered: the one reply router of
 * the socket layer. The socket machine asks it once per frame; what it stores travels with the frame
 * (`SocketMember.frame`'s `ref`), to another tab too, so no later step looks the owner up again.
 * Bounded: past `max` awaited replies `add` refuses (returns false) and the caller refuses the
 * command; an owner of a live request is never forgotten, so a reply never reaches another element.
 */
export class ReplyOwners<T> {
  private readonly byKey = new Map<string, T[]>();
  private count = 0;

  constructor(readonly max = MAX_AWAITED) {}

  /** Replies awaited now. */
  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.max;
  }

  /** `owner` awaits the reply `key`; false (nothing recorded) when the table is full. */
  add(key: string, owner: T): boolean {
    if (this.count >= this.max) return false;
    const owners = this.byKey.get(key);
    if (owners) owners.push(owner);
    else this.byKey.set(key, [owner]);
    this.count++;
    return true;
  }

  /** The owner `message` answers, if it is a reply someone awaits (removed: a reply answers once); per frame, one size check when none is awaited. */
  claim(message: KimiMessage | FrameProblem): T | undefined {
    if (this.count === 0 || message instanceof FrameProblem || !REPLY_TYPES.has(message.type)) return undefined;
    const key = replyKey(message.type, (message as { requestId?: unknown }).requestId);
    const owners = this.byKey.get(key);
    if (!owners) return undefined;
    const owner = owners.shift();
    this.count--;
    if (owners.length === 0) this.byKey.delete(key);
    return owner;
  }

  /** Forgets every owner `gone` matches (an element that left: it awaits nothing any more). */
  forget(gone: (owner: T) => boolean): void {
    for (const [key, owners] of this.byKey) {
      const rest = owners.filter((o) => !gone(o));
      this.count -= owners.length - rest.length;
      if (rest.length) this.byKey.set(key, rest);
      else this.byKey.delete(key);
    }
  }

  clear(): void {
    this.byKey.clear();
    this.count = 0;
  }
}
