import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { KimiStatsEvent } from '../../events/kimi-stats-event.js';
import type { KimiRealtimeStats } from '../../events/kimi-stats-event.js';

const PERIOD_MS = 1000;

type Listener = EventListenerOrEventListenerObject;

/**
 * Dispatches `kimi:stats` once a second while the host is attached and someone listens on it: the
 * host reports each `kimi:stats` listener added or removed on itself (the DOM cannot be asked).
 * A listener counts once per capture flag, as the DOM keeps it; a `once` listener stops counting
 * after the event it got, a `signal` listener when the signal aborts.
 */
export class StatsController implements ReactiveController {
  private readonly listening = [new Set<Listener>(), new Set<Listener>()];
  private readonly once = new Set<Listener>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private attached = false;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly read: () => KimiRealtimeStats,
  ) {
    host.addController(this);
  }

  added(listener: Listener | null, options?: boolean | AddEventListenerOptions): void {
    if (!listener) return;
    const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
    const set = this.listening[Number(capture)]!;
    if (typeof options === 'object' && options.signal) {
      if (options.signal.aborted) return;
      options.signal.addEventListener('abort', () => this.removed(listener, capture), { once: true });
    }
    if (typeof options === 'object' && options.once && !set.has(listener)) this.once.add(listener);
    set.add(listener);
    this.sync();
  }

  removed(listener: Listener | null, options?: boolean | EventListenerOptions): void {
    if (!listener) return;
    const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
    this.listening[Number(capture)]!.delete(listener);
    this.sync();
  }

  hostConnected(): void {
    this.attached = true;
    this.sync();
  }

  hostDisconnected(): void {
    this.attached = false;
    this.sync();
  }

  private sync(): void {
    const wanted = this.attached && (this.listening[0]!.size > 0 || this.listening[1]!.size > 0);
    if (wanted && this.timer === undefined) this.timer = setInterval(() => this.tick(), PERIOD_MS);
    else if (!wanted && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    this.host.dispatchEvent(new KimiStatsEvent(this.read()));
    if (this.once.size === 0) return;
    for (const listener of this.once) for (const set of this.listening) set.delete(listener);
    this.once.clear();
    this.sync();
  }
}
