/** Browser-side client of the simulator's HTTP control interface (started by web-test-runner.config.mjs). */

declare global {
  interface Window {
    __KIMI_SIM__: { control: string; main: string; stress: boolean };
  }
}

export interface SimOptions {
  /** Offer permessage-deflate as uvicorn does (the simulator's default: on). */
  deflate?: boolean;
  sessions?: number[];
  activeSession?: number | null;
  rate?: number;
  /** Also send the legacy types of older servers (metric, memory_metrics_update). */
  legacy?: boolean;
  /** Stress mode: several sessions stream at once (the real server never does). */
  concurrent?: boolean;
  /** Mean frames between scheduled session changes; 0 = the active session changes only when told. */
  switchEvery?: number;
  /** false: requests never auto-create sessions (the server's auto-session switch). */
  autoSession?: boolean;
  /** IANA zone of the server's local time (naive ISO timestamps); SQLite rows stay UTC. */
  tz?: string;
  maxContext?: number;
  ideContext?: number;
  cliContext?: number;
  /** Metric rows each starting session already has (default 12). */
  history?: number;
  seq?: boolean;
  stamp?: boolean;
  pingReply?: boolean;
  auth?: { token: string; via: 'query' | 'protocol'; closeCode?: number } | null;
}

export interface SimSession {
  id: number;
  name: string;
  provider: string;
  model: string | null;
  is_active: number;
  max_context: number;
  auto_session: unknown;
  total_requests: number;
  last_metric_id: number | null;
  [key: string]: unknown;
}

export interface Booked {
  sessionId: number | null;
  metricId: number | null;
  autoCreated: number | null;
  /** The frames broadcast for it (auto_session_created, metric_updated, streaming_error). */
  frames: Record<string, unknown>[];
}

export interface SimState {
  id: string;
  url: string;
  port: number;
  clientCount: number;
  connectionsTotal: number;
  receivedCount: number;
  received: { client: number; text: string }[];
  active: number | null;
  rate: number;
  stalled: boolean;
  tz: string | null;
  authRejected: number;
  heldHandshakes: number;
}

async function call<T>(path: string, method = 'POST', body?: unknown): Promise<T> {
  const response = await fetch(`${window.__KIMI_SIM__.control}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`simulator ${method} ${path}: ${json.error ?? response.status}`);
  return json as T;
}

/** One simulator instance of its own, so tests do not disturb each other. */
export class Sim {
  private constructor(
    readonly id: string,
    readonly url: string,
    readonly port: number,
  ) {}

  static async create(options: SimOptions = {}): Promise<Sim> {
    const { id, url, port } = await call<{ id: string; url: string; port: number }>('/sim', 'POST', {
      activeSession: null,
      rate: 0,
      ...options,
    });
    return new Sim(id, url, port);
  }

  push(...frames: (string | object)[]): Promise<unknown> {
    return call(`/sim/${this.id}/push`, 'POST', { frames });
  }

  /** Pushes text frames in which the server replaces every `marker` by `text` repeated `times` times. */
  pushExpanded(expand: { marker: string; text: string; times: number }, ...frames: string[]): Promise<unknown> {
    return call(`/sim/${this.id}/push`, 'POST', { frames, expand });
  }

  pushBinary(bytes: number[]): Promise<unknown> {
    return call(`/sim/${this.id}/push-binary`, 'POST', { bytes });
  }

  drop(code?: number): Promise<unknown> {
    return call(`/sim/${this.id}/drop`, 'POST', code === undefined ? {} : { code });
  }

  stall(on: boolean): Promise<unknown> {
    return call(`/sim/${this.id}/stall`, 'POST', { on });
  }

  /** While on, new handshakes get no answer (the connection hangs until the client gives up). */
  hold(on: boolean): Promise<unknown> {
    return call(`/sim/${this.id}/hold`, 'POST', { on });
  }

  restart(downMs = 300): Promise<unknown> {
    return call(`/sim/${this.id}/restart`, 'POST', { downMs });
  }

  /** The HTTP origin of the simulated Kimi Proxy (same host and port as its /ws). */
  get httpOrigin(): string {
    return this.url.replace(/^ws:/, 'http:').replace(/\/ws$/, '');
  }

  /** Activates a session (session_activated); an unknown id leaves none active, as the real server. */
  setActive(sessionId: number | null): Promise<{ changed: boolean; active: number | null }> {
    return call(`/sim/${this.id}/active`, 'POST', { sessionId });
  }

  /** Activates the next session by id (wrapping). */
  switchSession(): Promise<{ changed: boolean; active: number | null }> {
    return call(`/sim/${this.id}/switch`, 'POST', {});
  }

  /** Creates a session that becomes active: 'http' broadcasts new_session, 'auto' auto_session_created. */
  createSession(
    spec: { via?: 'http' | 'auto'; name?: string; provider?: string; model?: string | null; externalSessionId?: string | null; maxContext?: number } = {},
  ): Promise<{ session: SimSession; active: number }> {
    return call(`/sim/${this.id}/session`, 'POST', spec);
  }

  /** Deletes sessions (sessions_bulk_deleted); rejects for the active session or an unknown id. */
  deleteSessions(sessionIds: number[]): Promise<{ success: boolean; deleted_count: number; failed_ids: unknown[] }> {
    return call(`/sim/${this.id}/delete`, 'POST', { sessionIds });
  }

  /** Books a proxied request to the active session (or a new auto-session when `model` differs). */
  request(
    spec: { tokens?: number; completion?: number; live?: boolean; model?: string | null; preview?: string; streamError?: boolean | string } = {},
  ): Promise<Booked> {
    return call(`/sim/${this.id}/request`, 'POST', spec);
  }

  /** One log_metric for the active session (null when none is active). */
  log(
    spec: {
      source?: string;
      totalTokens?: number;
      promptTokens?: number;
      completionTokens?: number;
      toolsTokens?: number;
      systemTokens?: number;
      contextLength?: number;
    } = {},
  ): Promise<{ frame: Record<string, unknown> | null }> {
    return call(`/sim/${this.id}/log`, 'POST', spec);
  }

  /** The auto-session switch of the active session (auto_session_toggled). */
  setAutoSession(enabled: unknown): Promise<{ enabled: unknown; session_id: number }> {
    return call(`/sim/${this.id}/auto-session`, 'POST', { enabled });
  }

  /** Every session (newest first) and the active id. */
  sessions(): Promise<{ active: number | null; sessions: SimSession[] }> {
    return call(`/sim/${this.id}/sessions`, 'GET');
  }

  setRate(rate: number): Promise<unknown> {
    return call(`/sim/${this.id}/rate`, 'POST', { rate });
  }

  blast(count: number, sessions = [1, 2], size: 'small' | 'medium' = 'small'): Promise<{ sent: number }> {
    return call(`/sim/${this.id}/blast`, 'POST', { count, sessions, size });
  }

  resetCounters(): Promise<unknown> {
    return call(`/sim/${this.id}/reset-counters`, 'POST', {});
  }

  /** The instance's counters and its last `received` client frames (default 1000, at most 10,000). */
  state(received = 1000): Promise<SimState> {
    return call(`/sim/${this.id}?received=${received}`, 'GET');
  }

  close(): Promise<unknown> {
    return call(`/sim/${this.id}`, 'DELETE');
  }
}

/** Polls until `check` returns a truthy value or the time runs out. */
export async function until<T>(check: () => T | Promise<T>, { timeout = 5000, interval = 20, what = 'condition' } = {}): Promise<T> {
  const end = performance.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export const nextTask = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
