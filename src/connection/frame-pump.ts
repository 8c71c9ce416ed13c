/** Longest run of back-to-back handling, and the length of a slice, ms. */
const SLICE_MS = 8;
/** Frames less than this apart (ms) are back to back. */
const GAP_MS = 1;
/** Past this many waiting frames, the backlog is drained at once. */
const MAX_BACKLOG = 50_000;

/**
 * Keeps the main thread answerable during a burst of frames, in every engine. Frames are handled at
 * once while the current run of work is short. When frames keep coming back to back (less than
 * `GAP_MS` apart) and their handling adds up to `SLICE_MS` — some engines, WebKit among them, deliver a
 * burst of WebSocket messages with no input in between — the following frames go to a backlog that
 * is drained in slices of `SLICE_MS`, each in a task of its own, so key presses, clicks and rendering
 * run between slices. Order is kept and nothing is dropped; the backlog is bounded: past
 * `MAX_BACKLOG` frames it is drained at once (memory stays bounded; the page is then busy for that
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
  /** A slice is scheduled. */
  private scheduled = false;

  constructor(private readonly handle: (item: T) => void) {}

  /** Frames waiting in the backlog. */
  get waiting(): number {
    return this.backlog.length - this.head;
  }

  push(item: T): void {
    if (document.hidden) {
      if (this.waiting) this.flush();
      this.handle(item);
      return;
    }
    if (this.waiting) {
      this.backlog.push(item);
      if (this.waiting > MAX_BACKLOG) this.flush();
      return;
    }
    const start = performance.now();
    if (start - this.lastEnd > GAP_MS) this.busy = 0;
    if (this.busy >= SLICE_MS) {
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
    if (this.scheduled) return;
    this.scheduled = true;
    // A timer, not a posted message: engines run input and rendering before timers, not always
    // before posted messages. The timer is set from a posted message (not nested, so not clamped).
    unnested(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(budget = SLICE_MS): void {
    const start = performance.now();
    try {
      while (this.head < this.backlog.length) {
        this.handle(this.backlog[this.head++]!);
        if (performance.now() - start >= budget) break;
      }
    } finally {
      if (!this.waiting) {
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

/**
 * Sets a zero-delay timer for `task` from a task of its own (a message posted on a channel of its own,
 * closed once used), so that the timer is not nested in the current one: HTML clamps timers nested
 * more than 5 deep to ≥ 4 ms. The handler holds both ports until the message came, so neither can be
 * collected with the message in flight (a lost message would leave the backlog waiting).
 */
function unnested(task: () => void): void {
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = () => {
    port1.close();
    port2.close();
    setTimeout(task, 0);
  };
  port2.postMessage(0);
}
