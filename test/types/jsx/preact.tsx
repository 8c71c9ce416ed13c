// Compiled by `npm test` against the built package: the generated Preact JSX types (strict TS).
/** @jsxImportSource preact */
import type {} from 'kimi-realtime/jsx/preact';

export const dashboard = (
  <kimi-realtime session-id="1" max-queue={5} onkimi:log_metric={(e) => e.detail.metrics.percentage.toFixed(1)}>
    <kimi-metric-chart max-points={100} />
    <kimi-alert-feed onkimi:alert-dismiss={(e) => e.detail.text} />
  </kimi-realtime>
);

// @ts-expect-error the detail of kimi:log_metric has no such field
export const badDetail = <kimi-realtime onkimi:log_metric={(e) => e.detail.nonexistent} />;
// @ts-expect-error max-items is a number
export const badAttribute = <kimi-alert-feed max-items={{}} />;
