import type { ConnectionState, KimiStatusDetail } from '../../events/kimi-status-event.js';
import type { KimiRealtimeStats } from '../../events/kimi-stats-event.js';

/** Words for each state: the badge never relies on its colour alone. */
export const STATE_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting',
  open: 'Connected',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  closed: 'Disconnected',
};

/** Whole seconds until the scheduled retry (rounded up, so "in 1 s" lasts until it starts), or null when none is pending. */
export function secondsToRetry(status: Pick<KimiStatusDetail, 'nextRetryAt'> | null, now = Date.now()): number | null {
  const at = status?.nextRetryAt;
  if (typeof at !== 'number' || !Number.isFinite(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** "retry 2 in 4 s", or "retry 2 now" once the time has come and the attempt is starting. */
export function countdownText(status: KimiStatusDetail | null, now = Date.now()): string {
  const seconds = secondsToRetry(status, now);
  if (seconds === null || !status) return '';
  const which = status.attempt > 0 ? `retry ${status.attempt}` : 'retry';
  return seconds > 0 ? `${which} in ${seconds} s` : `${which} now`;
}

/** Stats are a fresh object per read; compare field by field so an idle connection costs no render. */
export function sameStats(a: KimiRealtimeStats | null, b: KimiRealtimeStats | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  for (const key of Object.keys(a) as (keyof KimiRealtimeStats)[]) {
    // The metrics are a fresh object too, read once a second: their text is compared.
    if (key === 'connection' ? JSON.stringify(a[key]) !== JSON.stringify(b[key]) : a[key] !== b[key]) return false;
  }
  return true;
}

/** "512 B", "3.4 KiB", "1.2 MiB". */
export function bytesText(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `points` of a polyline drawing `values` left to right in a `width`×`height` box (0 at the bottom). */
export function sparkline(values: readonly number[], width: number, height: number): string {
  if (values.length < 2) return '';
  const top = Math.max(...values, 1);
  const step = width / (values.length - 1);
  return values.map((v, i) => `${(i * step).toFixed(1)},${(height - (v / top) * (height - 2) - 1).toFixed(1)}`).join(' ');
}
