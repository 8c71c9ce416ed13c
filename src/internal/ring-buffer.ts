/** Fixed-capacity buffer that overwrites its oldest item; iteration runs oldest → newest. */
export class RingBuffer<T> {
  private items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(private cap: number) {
    this.cap = Math.max(1, Math.floor(cap));
    this.items = new Array(this.cap);
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.cap;
  }

  push(item: T): void {
    const end = (this.start + this.count) % this.cap;
    this.items[end] = item;
    if (this.count < this.cap) this.count++;
    else this.start = (this.start + 1) % this.cap;
  }

  /** The i-th item from the oldest (0) to the newest (size − 1). */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.items[(this.start + i) % this.cap];
  }

  get last(): T | undefined {
    return this.at(this.count - 1);
  }

  toArray(): T[] {
    const out: T[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.items[(this.start + i) % this.cap] as T;
    return out;
  }

  /** Changes the capacity, keeping the newest items. */
  resize(capacity: number): void {
    const kept = this.toArray().slice(-Math.max(1, Math.floor(capacity)));
    this.cap = Math.max(1, Math.floor(capacity));
    this.items = new Array(this.cap);
    this.start = 0;
    this.count = 0;
    for (const item of kept) this.push(item);
  }

  clear(): void {
    this.items = new Array(this.cap);
    this.start = 0;
    this.count = 0;
  }
}
