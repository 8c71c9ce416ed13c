import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { KimiErrorDetail } from '../../events/kimi-error-event.js';
import { HydrationProblem, hydrationFrom, sessionApiUrl } from '../../protocol/hydration.js';
import type { SessionStream } from '../../session/session-stream.js';

/** What hydration depends on, read from the host on every update. */
export interface HydrationInputs {
  /** The connection is open and not through a relay (a relay's room sends the hydration itself). */
  readonly live: boolean;
  /** Counts the connections opened: each one hydrates again (the socket replays nothing). */
  readonly opened: number;
  readonly resolvedUrl: string;
  readonly apiUrl: string;
  readonly noHydrate: boolean;
  /** The session shown, or null while following and none is known (then `/active` is asked). */
  readonly sessionId: string | null;
  /** Budget of one request, headers and body, ms. */
  readonly timeout: number;
}

/**
 * Bound of an answer's body. Kimi Proxy sends a session row, its provider, its stats and at most 50
 * metric rows (about 20 KB); a larger answer is refused rather than read.
 */
export const MAX_HYDRATION_BYTES = 1024 * 1024;
/** Least time between two requests of one element: a burst of session changes makes a few requests, the last for the newest session. */
export const HYDRATION_GAP_MS = 250;

/**
 * Loads the shown session over HTTP (`GET /api/sessions/{id}`, or `/active` while following and no
 * session is known): the WebSocket replays nothing and `init` covers only the active session
 * (PROTOCOL.md §12.3, §14). Keyed on its inputs as `@lit/task` is: on each host update the inputs are
 * read, and when they differ from the last run's, the request in flight is aborted and a new one
 * starts, so at most one request per element is in flight and the newest inputs win. Starts are
 * spaced by `HYDRATION_GAP_MS` (the last one always runs). Each request has a deadline for headers
 * and body together, is never redirected, reads at most `MAX_HYDRATION_BYTES`, and must answer for
 * the session asked: any failure is one `kimi:error` of kind `hydration` for that attempt.
 *
 * Not `@lit/task` itself: it would be a new runtime dependency in a bundle at its size budget, its
 * pending/complete states and render helpers have no use here (nothing renders a hydration), and it
 * starts a run on every change of its arguments, where a burst of session changes must be spaced.
 */
export class HydrationController implements ReactiveController {
  private key = '';
  private inFlight: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastStart = -Infinity;
  /** Requests started (for tests and the stress bench). */
  started = 0;

  constructor(
    host: ReactiveControllerHost,
    private readonly inputs: () => HydrationInputs,
    private readonly stream: SessionStream,
    private readonly onError: (detail: KimiErrorDetail) => void,
  ) {
    host.addController(this);
  }

  hostUpdate(): void {
    const inputs = this.inputs();
    const wanted = inputs.live && !inputs.noHydrate && typeof fetch === 'function';
    const key = wanted ? `${inputs.opened}\n${inputs.apiUrl}\n${inputs.resolvedUrl}\n${inputs.sessionId ?? ''}` : '';
    if (key === this.key) return;
    this.key = key;
    this.cancel();
    if (!wanted) return;
    const wait = this.lastStart + HYDRATION_GAP_MS - performance.now();
    if (wait <= 0) this.start(inputs, key);
    else this.timer = setTimeout(() => this.start(inputs, key), wait);
  }

  hostDisconnected(): void {
    this.cancel();
    // Back in the page, the same inputs load again.
    this.key = '';
  }

  private cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
    this.inFlight = null;
  }

  private start(inputs: HydrationInputs, key: string): void {
    this.timer = undefined;
    this.lastStart = performance.now();
    this.started++;
    const controller = new AbortController();
    this.inFlight = controller;
    void this.load(inputs, key, controller);
  }

  private async load(inputs: HydrationInputs, key: string, controller: AbortController): Promise<void> {
    const { sessionId, resolvedUrl, apiUrl } = inputs;
    let url = `${apiUrl || resolvedUrl}`;
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, inputs.timeout);
    try {
      url = sessionApiUrl(resolvedUrl, sessionId, apiUrl);
      const body = await fetchJson(url, controller.signal);
      if (controller.signal.aborted) return;
      if (sessionId === null) {
        // `/active` while following: no active session is not an error, there is nothing to show yet.
        const id = (body as { session?: { id?: unknown } } | null)?.session?.id;
        if (id === undefined || id === null) return;
        const hydration = hydrationFrom(null, body, Date.now(), this.stream);
        // The server said which session is active: followed as if `session_activated` came (a tab that
        // does not hold the socket learns it so), and this answer is its hydration.
        this.stream.activated(hydration.sessionId);
        this.key = key.replace(/\n[^\n]*$/, `\n${hydration.sessionId}`);
        this.stream.hydrated(hydration);
        return;
      }
      const hydration = hydrationFrom(sessionId, body, Date.now(), this.stream);
      this.stream.hydrated(hydration);
      if (!hydration.found) {
        this.onError({
          kind: 'session-not-found',
          message: `The server does not know session ${sessionId} (${url} answered: ${hydration.error ?? 'error'}).`,
        });
      }
    } catch (error) {
      if (controller.signal.aborted && !timedOut) return;
      const why = timedOut
        ? `no complete answer within ${inputs.timeout} ms (request aborted)`
        : error instanceof HydrationProblem
          ? error.message
          : 'the request failed (server unreachable, or CORS refused it)';
      this.onError({
        kind: 'hydration',
        message: `Could not load the session's history from ${url}: ${why}. Live frames are not affected; set api-url, or no-hydrate to stop asking.`,
      });
    } finally {
      clearTimeout(deadline);
      if (this.inFlight === controller) this.inFlight = null;
    }
  }
}

/**
 * GET as JSON, from the address's own origin only (a redirect is refused, not followed), reading at
 * most `MAX_HYDRATION_BYTES`.
 */
async function fetchJson(url: string, signal: AbortSignal): Promise<unknown> {
  const response = await fetch(url, { signal, headers: { Accept: 'application/json' }, credentials: 'omit', redirect: 'manual', cache: 'no-store' });
  if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
    throw new HydrationProblem("the server answered with a redirect, which is not followed: history is read only from the server's own origin");
  }
  if (!response.ok) throw new HydrationProblem(`HTTP ${response.status}`);
  const declared = Number(response.headers.get('Content-Length'));
  if (declared > MAX_HYDRATION_BYTES) throw new HydrationProblem(`the answer is larger than ${MAX_HYDRATION_BYTES} bytes (${declared}); not read`);
  const text = await readCapped(response);
  try {
    return JSON.parse(text);
  } catch {
    throw new HydrationProblem('the answer is not JSON');
  }
}

async function readCapped(response: Response): Promise<string> {
  const chunks: BlobPart[] = [];
  let size = 0;
  // A stream, not `text()`: a body that never ends or never stops growing is cut at the bound.
  for (const reader = response.body!.getReader(); ;) {
    const { done, value } = await reader.read();
    if (done) return new Blob(chunks).text();
    size += value.byteLength;
    if (size > MAX_HYDRATION_BYTES) {
      void reader.cancel();
      throw new HydrationProblem(`the answer is larger than ${MAX_HYDRATION_BYTES} bytes; reading stopped there`);
    }
    chunks.push(value as Uint8Array<ArrayBuffer>);
  }
}
