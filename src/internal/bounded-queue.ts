/**
 * First-in first-out queue with a bound. A full queue refuses the new item (`push` returns false):
 * an item once accepted is never dropped by the queue, so the caller can tell the one it could not
 * take and nothing accepted is lost later.
 */
export class BoundedQueue<T> {
  // A ring of at least `cap` slots; more after a shrink below the count, until it drains.
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(private cap: number) {
    this.cap = Math.max(cap, 0);
    this.items = new Array(this.cap);
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.cap;
  }

  /** Adds an item; false (nothing changed) when the queue holds `capacity` items or more. */
  push(item: T): boolean {
    if (this.count >= this.cap) return false;
    this.items[(this.head + this.count++) % this.items.length] = item;
    return true;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return item;
  }

  /**
   * Changes the capacity. Every queued item is kept, also beyond a smaller capacity: the queue then
   * refuses new items until it has drained below it.
   */
  resize(capacity: number): void {
    const kept = this.drain();
    this.cap = Math.max(capacity, 0);
    this.items = new Array(Math.max(this.cap, kept.length));
    this.refill(kept);
  }

  /** Removes `item` (the first occurrence); returns whether it was queued. */
  remove(item: T): boolean {
    const kept = this.drain();
    const at = kept.indexOf(item);
    if (at >= 0) kept.splice(at, 1);
    this.refill(kept);
    return at >= 0;
  }

  /** Empties the queue, returning its items in order. */
  private drain(): T[] {
    const out: T[] = [];
    while (this.count > 0) out.push(this.shift() as T);
    return out;
  }

  /** Fills the empty queue with `kept`, from the start of the ring. */
  private refill(kept: T[]): void {
    this.head = 0;
    for (const k of kept) this.items[this.count++] = k;
  }
}
