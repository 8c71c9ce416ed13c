/**
 * First-in first-out queue with a fixed capacity. Pushing into a full queue drops the oldest
 * item and returns it, so the caller can say what was lost.
 */
export class BoundedQueue<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(private cap: number) {
    this.items = new Array(Math.max(cap, 0));
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.cap;
  }

  /** Adds an item; returns the dropped oldest item when the queue was full, else undefined. */
  push(item: T): { dropped: T } | undefined {
    if (this.cap === 0) return { dropped: item };
    if (this.count < this.cap) {
      this.items[(this.head + this.count) % this.cap] = item;
      this.count++;
      return undefined;
    }
    const dropped = this.items[this.head] as T;
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.cap;
    return { dropped };
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.cap;
    this.count--;
    return item;
  }

  /** Changes the capacity, keeping the newest items; returns the items dropped, oldest first. */
  resize(capacity: number): T[] {
    const kept: T[] = [];
    const dropped: T[] = [];
    let item: T | undefined;
    while (this.count > 0) {
      item = this.shift() as T;
      kept.push(item);
    }
    while (kept.length > capacity) dropped.push(kept.shift() as T);
    this.cap = Math.max(capacity, 0);
    this.items = new Array(this.cap);
    this.head = 0;
    for (const k of kept) this.push(k);
    return dropped;
  }

  /** Removes `item` (the first occurrence); returns whether it was queued. */
  remove(item: T): boolean {
    const kept: T[] = [];
    let found = false;
    let next: T | undefined;
    while (this.count > 0) {
      next = this.shift() as T;
      if (!found && next === item) found = true;
      else kept.push(next);
    }
    for (const k of kept) this.push(k);
    return found;
  }

  clear(): void {
    this.items = new Array(this.cap);
    this.head = 0;
    this.count = 0;
  }
}
