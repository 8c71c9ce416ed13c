import type { ConnectionState, KimiStatusDetail } from '../../events/kimi-status-event.js';
import type { KimiRealtimeStats } from '../realtime/kimi-realtime.js';

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
  for (const key of Object.keys(a) as (keyof KimiRealtimeStats)[]) if (a[key] !== b[key]) return false;
  return true;
}
