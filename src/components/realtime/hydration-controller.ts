import type { KimiErrorDetail } from '../../events/kimi-error-event.js';
import { HydrationProblem, hydrationFrom, sessionApiUrl, type KimiHydration } from '../../protocol/hydration.js';
import type { ServerClock } from '../../protocol/server-clock.js';

export interface HydrationSettings {
  readonly resolvedUrl: string;
  /** Base of the HTTP API; empty to derive it from the WebSocket URL. */
  readonly apiUrl: string;
  readonly noHydrate: boolean;
  /** The session shown, or null while following and none is known yet. */
  readonly activeSessionId: string | null;
}

export interface HydrationEvents {
  onHydrated(hydration: KimiHydration): void;
  onError(detail: KimiErrorDetail): void;
}

/**
 * Loads the shown session over HTTP (`GET /api/sessions/{id}`, or `/active` while following and no
 * session is known): the WebSocket replays nothing and `init` covers only the active session
 * (PROTOCOL.md §12.3, §14). Asked on every open and every session change; requests made obsolete by
 * a newer one are aborted, so an answer always belongs to the session shown when it arrives. One
 * request per trigger: a failing HTTP side costs one `kimi:error` per connection, never a loop.
 */
export class HydrationController {
  private inFlight: AbortController | null = null;
  private scheduled = false;

  constructor(
    private readonly settings: HydrationSettings,
    private readonly clock: ServerClock,
    private readonly events: HydrationEvents,
  ) {}

  /** Loads (again) at the end of this task; several triggers in one task make one request. */
  request(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.load();
    });
  }

  /** Aborts what is in flight (the element left or closed). */
  cancel(): void {
    this.inFlight?.abort();
    this.inFlight = null;
  }

  private async load(): Promise<void> {
    this.cancel();
    const { noHydrate, activeSessionId: sessionId, resolvedUrl, apiUrl } = this.settings;
    if (noHydrate || typeof fetch !== 'function') return;
    let url: string;
    try {
      url = sessionApiUrl(resolvedUrl, sessionId, apiUrl);
    } catch {
      this.events.onError({ kind: 'hydration', message: `Cannot build the HTTP address of the session from "${apiUrl || resolvedUrl}".` });
      return;
    }
    const controller = new AbortController();
    this.inFlight = controller;
    try {
      const response = await fetch(url, { signal: controller.signal, headers: { Accept: 'application/json' }, credentials: 'omit' });
      if (!response.ok) throw new HydrationProblem(`HTTP ${response.status}`);
      const body: unknown = await response.json().catch(() => {
        throw new HydrationProblem('the answer is not JSON');
      });
      if (controller.signal.aborted) return;
      this.inFlight = null;
      if (sessionId === null) {
        // `/active` while following: no active session is not an error, there is nothing to show yet.
        const answer = body as { error?: unknown; session?: { id?: unknown } };
        const id = answer?.session?.id;
        if (typeof id !== 'number' && typeof id !== 'string') return;
        this.events.onHydrated(hydrationFrom(String(id), body, Date.now(), this.clock));
        return;
      }
      const hydration = hydrationFrom(sessionId, body, Date.now(), this.clock);
      this.events.onHydrated(hydration);
      if (!hydration.found) {
        this.events.onError({
          kind: 'session-not-found',
          message: `The server does not know session ${sessionId} (${url} answered: ${hydration.error ?? 'error'}).`,
        });
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      this.inFlight = null;
      const why = error instanceof HydrationProblem ? error.message : 'the request failed (server unreachable, or CORS refused it)';
      this.events.onError({
        kind: 'hydration',
        message: `Could not load the session's history from ${url}: ${why}. Live frames are not affected; set api-url, or no-hydrate to stop asking.`,
      });
    }
  }
}
