// Kimi Proxy 2.x extras: when the upstream's `/health` names a 2.x version, its admin stats
// (`/api/sanitizer/stats`, `/api/compress/stats`, `/api/rate-limit`) are polled at a modest interval
// with `X-Admin-Key` when a key is given, and each change is broadcast as `proxy_stats`
// (PROTOCOL.md §17.3). A 401 or 403 is reported once (log line and one `proxy_stats_unavailable`
// frame) and that endpoint is not asked again; other failures are retried at the next poll, silently.

export const STATS_ENDPOINTS = Object.freeze({
  sanitizer: '/api/sanitizer/stats',
  compression: '/api/compress/stats',
  rate_limit: '/api/rate-limit',
});

/** Keys never passed on (local paths of the proxy's machine). */
const DROP_KEYS = new Set(['tmp_dir']);
const BODY_MAX = 64 * 1024;

export class KimiProxyStats {
  /**
   * @param {{ origin: string, adminKey?: string, intervalMs: number, broadcast: (frame: object) => void,
   *   log: (line: string) => void, now: () => string }} o
   */
  constructor({ origin, adminKey, intervalMs, broadcast, log, now }) {
    this.origin = origin;
    this.adminKey = adminKey || undefined;
    this.intervalMs = intervalMs;
    this.broadcast = broadcast;
    this.log = log;
    this.now = now;
    /** @type {string|null} the version `/health` named, when 2.x */
    this.version = null;
    /** @type {Map<string, string>} last text per source */
    this.last = new Map();
    /** @type {Set<string>} sources refused with 401/403 */
    this.refused = new Set();
    this.timer = null;
    this.stopped = true;
  }

  start() {
    this.stopped = false;
    this._detect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async _get(path) {
    const headers = { accept: 'application/json' };
    if (this.adminKey) headers['x-admin-key'] = this.adminKey;
    const res = await fetch(this.origin + path, { headers, signal: AbortSignal.timeout(5_000) });
    const text = (await res.text()).slice(0, BODY_MAX);
    return { status: res.status, text };
  }

  async _detect() {
    try {
      const { status, text } = await this._get('/health');
      const version = status === 200 ? JSON.parse(text)?.version : undefined;
      if (typeof version === 'string' && /^2\./.test(version)) {
        this.version = version;
        this.log(`kimi-tap: the upstream is Kimi Proxy ${version}: polling its stats every ${Math.round(this.intervalMs / 1000)} s`);
        this._poll();
      }
    } catch {
      /* not Kimi Proxy (or down): no extras */
    }
  }

  async _poll() {
    if (this.stopped) return;
    await Promise.all(Object.entries(STATS_ENDPOINTS).map(([source, path]) => this._one(source, path)));
    if (this.stopped || this.refused.size === Object.keys(STATS_ENDPOINTS).length) return;
    this.timer = setTimeout(() => this._poll(), this.intervalMs);
    this.timer.unref?.();
  }

  async _one(source, path) {
    if (this.refused.has(source)) return;
    let r;
    try {
      r = await this._get(path);
    } catch {
      return;
    }
    if (r.status === 401 || r.status === 403) {
      this.refused.add(source);
      const why = this.adminKey ? 'the admin key was refused' : 'it needs an admin key (--admin-key or KIMI_ADMIN_KEY)';
      this.log(`kimi-tap: Kimi Proxy answered ${r.status} for ${path}: ${why}; not asking again`);
      this.broadcast({ type: 'proxy_stats_unavailable', source, status: r.status, error: `${path}: ${why}`, timestamp: this.now() });
      return;
    }
    if (r.status !== 200) return;
    let stats;
    try {
      stats = JSON.parse(r.text, (k, v) => (DROP_KEYS.has(k) ? undefined : v));
    } catch {
      return;
    }
    const key = JSON.stringify(stats);
    if (this.last.get(source) === key) return;
    this.last.set(source, key);
    this.broadcast({ type: 'proxy_stats', source, version: this.version, stats, timestamp: this.now() });
  }
}
