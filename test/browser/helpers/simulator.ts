/** Browser-side client of the simulator's HTTP control interface (started by web-test-runner.config.mjs). */

declare global {
  interface Window {
    __KIMI_SIM__: { control: string; main: string; stress: boolean };
  }
}

export interface SimOptions {
  sessions?: number[];
  activeSession?: number | null;
  rate?: number;
  legacy?: boolean;
  seq?: boolean;
  stamp?: boolean;
  pingReply?: boolean;
  auth?: { token: string; via: 'query' | 'protocol'; closeCode?: number } | null;
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
  private constructor(readonly id: string, readonly url: string, readonly port: number) {}

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

  pushBinary(bytes: number[]): Promise<unknown> {
    return call(`/sim/${this.id}/push-binary`, 'POST', { bytes });
  }

  drop(code?: number): Promise<unknown> {
    return call(`/sim/${this.id}/drop`, 'POST', code === undefined ? {} : { code });
  }

  stall(on: boolean): Promise<unknown> {
    return call(`/sim/${this.id}/stall`, 'POST', { on });
  }

  restart(downMs = 300): Promise<unknown> {
    return call(`/sim/${this.id}/restart`, 'POST', { downMs });
  }

  setActive(sessionId: number | null): Promise<unknown> {
    return call(`/sim/${this.id}/active`, 'POST', { sessionId });
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
