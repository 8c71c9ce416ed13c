import { FrameProblem } from '../protocol/parse-frame.js';
import type { KimiMessage } from '../protocol/messages.js';
import { REPLY_TYPES, replyKey } from '../protocol/requests.js';

/**
 * Who awaits which direct reply (by `replyKey`), first asked first answered. Bounded: past `max`
 * keys the oldest is forgotten, and its reply then reaches everyone like a broadcast.
 */
export class ReplyOwners<T> {
  private readonly byKey = new Map<string, T[]>();

  constructor(private readonly max = 1000) {}

  add(key: string, owner: T): void {
    const owners = this.byKey.get(key);
    if (owners) owners.push(owner);
    else {
      if (this.byKey.size >= this.max) this.byKey.delete(this.byKey.keys().next().value!);
      this.byKey.set(key, [owner]);
    }
  }

  /** The owner of `message` if it is a reply someone awaits (removed: a reply answers once); per frame, one size check when none is awaited. */
  take(message: KimiMessage | FrameProblem): T | undefined {
    if (this.byKey.size === 0 || message instanceof FrameProblem || !REPLY_TYPES.has(message.type)) return undefined;
    const key = replyKey(message.type, (message as { requestId?: unknown }).requestId);
    const owners = this.byKey.get(key);
    const owner = owners?.shift();
    if (owners?.length === 0) this.byKey.delete(key);
    return owner;
  }

  /** `owner` awaits nothing any more (it left). */
  forget(owner: T): void {
    for (const [key, owners] of this.byKey) {
      const rest = owners.filter((o) => o !== owner);
      if (rest.length) this.byKey.set(key, rest);
      else this.byKey.delete(key);
    }
  }

  clear(): void {
    this.byKey.clear();
  }
}
