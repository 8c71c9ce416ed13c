import { ContextRoot } from '@lit/context';

const KEY = Symbol.for('kimi-realtime/context-root');

/**
 * Children upgraded before their `<kimi-realtime>` ask for it before it can answer; a ContextRoot on
 * the document keeps those requests and replays them when a provider appears. One per page.
 */
export function attachContextRoot(): void {
  const holder = globalThis as unknown as Record<symbol, unknown>;
  if (holder[KEY] || typeof document === 'undefined') return;
  holder[KEY] = true;
  new ContextRoot().attach(document.documentElement);
}
