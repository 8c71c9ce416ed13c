// Compiled by `npm test` against the built package: the generated Solid JSX types (strict TS).
// JSX allows one colon in a name, so `on:kimi:…` is written as a spread (Solid assigns `on:` keys as listeners).
/** @jsxImportSource solid-js */
import type {} from 'kimi-realtime/jsx/solid';
import type { KimiMessageEvent, MetricUpdatedMessage } from 'kimi-realtime';

const onMetric = (e: KimiMessageEvent<MetricUpdatedMessage>) => e.detail.cumulative_percentage;

export const dashboard = (
  <kimi-realtime session-id="1" max-queue={5} prop:token="secret" {...{ 'on:kimi:metric_updated': onMetric }}>
    <kimi-context-gauge />
    <kimi-connection-status compact />
  </kimi-realtime>
);

// @ts-expect-error max-queue is a number
export const badAttribute = <kimi-realtime max-queue={{}} />;
