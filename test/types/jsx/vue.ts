// Compiled by `npm test` against the built package: the generated Vue types (GlobalComponents, strict TS).
// `@kimi:metric_updated` in a template is the prop `onKimi:metric_updated`.
import type {} from 'kimi-realtime/jsx/vue';
import type { GlobalComponents } from 'vue';

type RealtimeProps = InstanceType<GlobalComponents['kimi-realtime']>['$props'];
type FeedProps = InstanceType<GlobalComponents['kimi-alert-feed']>['$props'];

export const realtime: RealtimeProps = {
  'session-id': '1',
  'max-queue': 10,
  'onKimi:metric_updated': (e) => e.detail.cumulative_tokens.toFixed(0),
  'onKimi:status': (e) => e.detail.nextRetryAt,
};
export const feed: FeedProps = { 'max-items': 5, 'onKimi:alert-dismiss': (e) => e.detail.count };

// @ts-expect-error max-queue is a number
export const badAttribute: RealtimeProps = { 'max-queue': 'ten' };
// @ts-expect-error the detail of kimi:status has no such field
export const badDetail: RealtimeProps = { 'onKimi:status': (e) => e.detail.nonexistent };
// @ts-expect-error readings is read-only: Vue would assign el.readings and the browser throw
export const readOnly: RealtimeProps = { readings: [] };
