import type { KimiErrorDetail } from '../../events/kimi-error-event.js';
import { sessionApiUrl } from '../../protocol/hydration.js';

/** Budget of the probe's two requests together, ms: the verdict comes well within 5 s of the first failure. */
const PROBE_TIMEOUT_MS = 3000;

/**
 * After the first connection attempt of an address fails (before any connection was opened), asks
 * the server's HTTP side what it is: `GET /health`, and `GET /api/sessions/active`. Kimi Proxy 2.x
 * (from 2026-05-29) removed `/ws` and every `/api/sessions*` route: `/health` names a `2.` version,
 * `/api/sessions/active` answers 404. Then the element reports it once (`kimi:error` kind
 * `no-live-endpoint`), its status carries the explanation, and retries wait the longest delay.
 * One probe per address; a server that opens a connection later clears the verdict.
 */
export class ServerProbe {
  /** Why the server has no live endpoint, for people; null while not known to lack one. */
  noLiveEndpoint: string | null = null;
  private probed = '';

  constructor(
    private readonly report: (detail: KimiErrorDetail) => void,
    private readonly concluded: () => void,
  ) {}

  /** A connection opened: whatever was concluded was wrong or is outdated. */
  opened(): void {
    this.noLiveEndpoint = null;
    this.probed = '';
  }

  /** An attempt failed before any connection opened. */
  failed(resolvedUrl: string, apiUrl: string): void {
    if (typeof fetch !== 'function') return;
    let active: string;
    let health: string;
    try {
      active = sessionApiUrl(resolvedUrl, null, apiUrl);
      health = new URL('/health', active).href;
    } catch {
      return;
    }
    if (active === this.probed) return;
    this.probed = active;
    void this.probe(health, active);
  }

  private async probe(health: string, active: string): Promise<void> {
    const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
    const init: RequestInit = { signal, headers: { Accept: 'application/json' }, credentials: 'omit', redirect: 'manual', cache: 'no-store' };
    const [version, activeStatus] = await Promise.all([
      fetch(health, init)
        .then(async (r) => (r.ok ? ((await r.json()) as { version?: unknown })?.version : undefined))
        .catch(() => undefined),
      fetch(active, init)
        .then((r) => r.status)
        .catch(() => 0),
    ]);
    if (this.probed !== active || this.noLiveEndpoint !== null) return;
    const v = typeof version === 'string' ? version.slice(0, 40) : null;
    const is2x = v !== null && /^2\./.test(v);
    if (!is2x && activeStatus !== 404) return;
    const what = is2x ? `Kimi Proxy ${v}` : 'a server without the dashboard API (GET /api/sessions/active answers 404)';
    this.noLiveEndpoint = `The server is ${what}, which has no live /ws stream (Kimi Proxy removed it in 2.x). Run kimi-tap in front of it and point this element at the tap.`;
    this.report({ kind: 'no-live-endpoint', message: `${this.noLiveEndpoint} Retrying at the longest delay.` });
    this.concluded();
  }
}
