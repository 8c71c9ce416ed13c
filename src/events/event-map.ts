import type { KimiMessageMap, KimiMessageType } from '../protocol/messages.js';
import type { LibraryEventType } from '../protocol/known-types.js';
import { KimiErrorEvent } from './kimi-error-event.js';
import { KimiHydrateEvent } from './kimi-hydrate-event.js';
import { KimiMessageEvent } from './kimi-message-event.js';
import { KimiMetricEvent } from './kimi-metric-event.js';
import { KimiStatusEvent } from './kimi-status-event.js';
import { KimiStatsEvent } from './kimi-stats-event.js';
import { KimiAlertDismissEvent } from '../components/alert-feed/kimi-alert-dismiss-event.js';
import { KimiBudgetEvent } from './kimi-budget-event.js';

/**
 * Every event the library dispatches itself, by name, with its class. The single list: the event
 * map's library half (`KimiLibraryEventMap`) comes from it; the reserved server types
 * (`RESERVED_EVENT_TYPES`, in `protocol/`, which imports nothing outside itself) are checked against it
 * by the compiler, so adding an event here fails to compile until its name is added there too.
 */
export const KIMI_LIBRARY_EVENTS = {
  'kimi:message': KimiMessageEvent,
  'kimi:status': KimiStatusEvent,
  'kimi:error': KimiErrorEvent,
  /** A usage reading (the legacy server type `metric` reaches pages through `kimi:message` only). */
  'kimi:metric': KimiMetricEvent,
  'kimi:hydrate': KimiHydrateEvent,
  /** The element's `stats`, at most once a second, while someone listens on the element. */
  'kimi:stats': KimiStatsEvent,
  'kimi:alert-dismiss': KimiAlertDismissEvent,
  /** A `<kimi-cost-meter>` spend crossed a budget level. */
  'kimi:budget': KimiBudgetEvent,
  // The same names as protocol/known-types.ts `LIBRARY_EVENT_TYPES` (the reserved server types), no more, no fewer.
} satisfies Record<`kimi:${LibraryEventType}`, unknown>;

/** The library's own events, by name: their names are reserved, a server frame never takes one. */
export type KimiLibraryEventMap = { [K in keyof typeof KIMI_LIBRARY_EVENTS]: InstanceType<(typeof KIMI_LIBRARY_EVENTS)[K]> };

/** `kimi:<type>` for every message type the protocol names, except those the library's own events take. */
export type KimiServerEventMap = {
  [K in KimiMessageType as `kimi:${K}` extends keyof KimiLibraryEventMap ? never : `kimi:${K}`]: KimiMessageEvent<KimiMessageMap[K]>;
};

/** Every event `<kimi-realtime>` and its children dispatch, by name. */
export interface KimiEventMap extends KimiServerEventMap, KimiLibraryEventMap {}

declare global {
  // Merging the map into the DOM's own is the point: the empty body is the declaration merge.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface GlobalEventHandlersEventMap extends KimiEventMap {}
}
