/**
 * React wrappers (`kimi-realtime/react`), made with `@lit/react`: every element as a React component
 * whose properties are props and whose `kimi:*` events are camel-case props (`kimi:metric_updated` →
 * `onKimiMetricUpdated`), typed with each event's `detail`. Importing this module registers the
 * elements. With React 19 the plain tags work too (see `kimi-realtime/jsx/react`).
 */
import * as React from 'react';
import { createComponent } from '@lit/react';
import '../define.js';
import { KimiRealtime as KimiRealtimeElement } from '../components/realtime/kimi-realtime.js';
import { KimiContextGauge as KimiContextGaugeElement } from '../components/context-gauge/kimi-context-gauge.js';
import { KimiMetricChart as KimiMetricChartElement } from '../components/metric-chart/kimi-metric-chart.js';
import { KimiAlertFeed as KimiAlertFeedElement } from '../components/alert-feed/kimi-alert-feed.js';
import { KimiConnectionStatus as KimiConnectionStatusElement } from '../components/connection-status/kimi-connection-status.js';
import { KimiCostMeter as KimiCostMeterElement } from '../components/cost-meter/kimi-cost-meter.js';
import { KimiModelTable as KimiModelTableElement } from '../components/model-table/kimi-model-table.js';
import {
  kimiAlertFeedEvents,
  kimiConnectionStatusEvents,
  kimiContextGaugeEvents,
  kimiCostMeterEvents,
  kimiMetricChartEvents,
  kimiModelTableEvents,
  kimiRealtimeEvents,
} from './events.js';

export {
  kimiAlertFeedEvents,
  kimiConnectionStatusEvents,
  kimiContextGaugeEvents,
  kimiCostMeterEvents,
  kimiMetricChartEvents,
  kimiModelTableEvents,
  kimiRealtimeEvents,
};

/** `<kimi-realtime>`: one reconnecting socket; `onKimiMessage`, `onKimiStatus`, `onKimiError` and one prop per server type. */
export const KimiRealtime = createComponent({
  tagName: 'kimi-realtime',
  elementClass: KimiRealtimeElement,
  react: React,
  events: kimiRealtimeEvents,
  displayName: 'KimiRealtime',
});

/** `<kimi-context-gauge>`. */
export const KimiContextGauge = createComponent({
  tagName: 'kimi-context-gauge',
  elementClass: KimiContextGaugeElement,
  react: React,
  events: kimiContextGaugeEvents,
  displayName: 'KimiContextGauge',
});

/** `<kimi-metric-chart>`. */
export const KimiMetricChart = createComponent({
  tagName: 'kimi-metric-chart',
  elementClass: KimiMetricChartElement,
  react: React,
  events: kimiMetricChartEvents,
  displayName: 'KimiMetricChart',
});

/** `<kimi-alert-feed>`: `onKimiAlertDismiss`. */
export const KimiAlertFeed = createComponent({
  tagName: 'kimi-alert-feed',
  elementClass: KimiAlertFeedElement,
  react: React,
  events: kimiAlertFeedEvents,
  displayName: 'KimiAlertFeed',
});

/** `<kimi-connection-status>`. */
export const KimiConnectionStatus = createComponent({
  tagName: 'kimi-connection-status',
  elementClass: KimiConnectionStatusElement,
  react: React,
  events: kimiConnectionStatusEvents,
  displayName: 'KimiConnectionStatus',
});

/** `<kimi-cost-meter>`: `onKimiBudget`. */
export const KimiCostMeter = createComponent({
  tagName: 'kimi-cost-meter',
  elementClass: KimiCostMeterElement,
  react: React,
  events: kimiCostMeterEvents,
  displayName: 'KimiCostMeter',
});

/** `<kimi-model-table>`. */
export const KimiModelTable = createComponent({
  tagName: 'kimi-model-table',
  elementClass: KimiModelTableElement,
  react: React,
  events: kimiModelTableEvents,
  displayName: 'KimiModelTable',
});
