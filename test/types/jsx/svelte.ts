// Compiled by `npm test` against the built package: the generated Svelte 5 types (strict TS).
// svelte-check turns `<kimi-realtime session-id="1" onkimi:metric_updated={(e) => …}>` into
// `svelteHTML.createElement('kimi-realtime', { 'session-id': '1', 'onkimi:metric_updated': (e) => … })`
// against Svelte's own svelte-html.d.ts (which it loads by path, as the language server does; here it
// is in the tsconfig's `files`): the same call is written here, so these lines check what a .svelte
// file's markup gets.
import type {} from 'kimi-realtime/jsx/svelte';
import type { KimiRealtime } from 'kimi-realtime';

export const realtime: KimiRealtime = svelteHTML.createElement('kimi-realtime', {
  'session-id': '1',
  'max-queue': 10,
  'auth-via': 'protocol',
  token: () => Promise.resolve('t'),
  class: 'usage',
  'onkimi:metric_updated': (e) => e.detail.cumulative_percentage.toFixed(1),
  'onkimi:status': (e) => e.detail.nextRetryAt,
  'onkimi:error': (e) => e.detail.kind === 'queue-overflow',
});
export const gauge = svelteHTML.createElement('kimi-context-gauge', { 'usage-source': 'any' });
export const chart = svelteHTML.createElement('kimi-metric-chart', { 'max-points': 100, 'time-window': 60 });
export const feed = svelteHTML.createElement('kimi-alert-feed', { 'max-items': 5, 'onkimi:alert-dismiss': (e) => e.detail.text });
export const status = svelteHTML.createElement('kimi-connection-status', { compact: true });

// @ts-expect-error max-queue is a number
export const badAttribute = svelteHTML.createElement('kimi-realtime', { 'max-queue': 'ten' });
// @ts-expect-error the detail of kimi:metric_updated has no such field
export const badDetail = svelteHTML.createElement('kimi-realtime', { 'onkimi:metric_updated': (e) => e.detail.nonexistent });
// @ts-expect-error auth-via takes 'query' or 'protocol'
export const badUnion = svelteHTML.createElement('kimi-realtime', { 'auth-via': 'cookie' });
// @ts-expect-error state is read-only: Svelte would assign el.state and the browser throw
export const readOnly = svelteHTML.createElement('kimi-realtime', { state: 'open' });
