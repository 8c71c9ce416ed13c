/**
 * Keeps the main thread answerable during a burst of frames, in every engine. Frames are handled at
 * once while the current run of work is short. When frames keep coming back to back (less than
 * `gapMs` apart) and their handling adds up to `sliceMs` — some engines, WebKit among them, deliver a
 * burst of WebSocket messages with no input in between — the following frames go to a backlog that
 * is drained in slices of `sliceMs`, each in a task of its own, so key presses, clicks and rendering
 * run between slices. Order is kept and nothing is dropped; the backlog is bounded: past
 * `maxBacklog` frames it is drained at once (memory stays bounded; the page is then busy for that
 * long). In steady traffic every frame is handled synchronously; the cost per frame is two clock reads.
 *
 * Each slice runs in a timer task (engines run input and rendering before timers, not always before
 * posted messages), but that timer is never set from the previous slice's timer: HTML clamps a timer
 * nested more than 5 deep to at least 4 ms, which in a long burst left the page idle 4 ms after every
 * 8 ms slice (BENCHMARKS.md, profile of the per-frame path). The next slice's timer is set from a
 * posted message (`unnested`), a task of its own, so it is not nested and runs as soon as input and
 * rendering let it.
 *
 * In a hidden tab every frame is handled at once (what waited first): there is no input or rendering to
 * keep answerable there, and the drain's timer would be throttled to one slice a second, delaying frames
 * for this tab and for the tabs it relays them to.
 */
export class FramePump<T> {
  private backlog: T[] = [];
  private head = 0;
  /** Handling time of the current run of back-to-back frames, ms. */
  private busy = 0;
  /** performance.now() when the last frame's handling ended. */
  private lastEnd = -Infinity;
  private drainScheduled = false;

  constructor(
    private readonly handle: (item: T) => void,
    private readonly sliceMs = 8,
    private readonly maxBacklog = 50_000,
    private readonly gapMs = 1,
  ) {}

  /** Frames waiting in the backlog. */
  get waiting(): number {
    return this.backlog.length - this.head;
  }

  push(item: T): void {
    if (document.hidden) {
      if (this.head < this.backlog.length) this.drain(Infinity);
      this.handle(item);
      return;
    }
    if (this.head < this.backlog.length) {
      this.backlog.push(item);
      if (this.backlog.length - this.head > this.maxBacklog) this.drain(Infinity);
      return;
    }
    const start = performance.now();
    if (start - this.lastEnd > this.gapMs) this.busy = 0;
    if (this.busy >= this.sliceMs) {
      this.backlog.push(item);
      this.scheduleDrain();
      return;
    }
    try {
      this.handle(item);
    } finally {
      this.lastEnd = performance.now();
      this.busy += this.lastEnd - start;
    }
  }

  /** Handles everything waiting, now. */
  flush(): void {
    this.drain(Infinity);
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    // A timer, not a posted message: engines run input and rendering before timers, not always
    // before posted messages. The timer is set from a posted message (not nested, so not clamped).
    unnested(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private drain(budget = this.sliceMs): void {
    const start = performance.now();
    try {
      while (this.head < this.backlog.length) {
        this.handle(this.backlog[this.head++]!);
        if (performance.now() - start >= budget) break;
      }
    } finally {
      if (this.head >= this.backlog.length) {
        this.backlog = [];
        this.head = 0;
        this.busy = 0;
        this.lastEnd = performance.now();
      } else {
        // Keep the array from growing with handled slots during a long burst.
        if (this.head > 4096) {
          this.backlog = this.backlog.slice(this.head);
          this.head = 0;
        }
        this.scheduleDrain();
      }
    }
  }
}

/** Tasks whose timer waits for the posted message; one channel for all pumps of the page. */
const hopping: (() => void)[] = [];
let hop: MessageChannel | undefined;

/**
 * Sets a zero-delay timer for `task` from a task of its own (a posted message), so that the timer is
 * not nested in the current one: HTML clamps timers nested more than 5 deep to ≥ 4 ms.
 */
function unnested(task: () => void): void {
  if (!hop) {
    hop = new MessageChannel();
    hop.port1.onmessage = () => {
      for (const t of hopping.splice(0)) setTimeout(t, 0);
    };
  }
  if (hopping.push(task) === 1) hop.port2.postMessage(0);
}
