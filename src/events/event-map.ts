import type { KimiMessage, KimiMessageMap, KimiMessageType } from '../protocol/messages.js';
import type { KimiErrorEvent } from './kimi-error-event.js';
import type { KimiHydrateEvent } from './kimi-hydrate-event.js';
import type { KimiMessageEvent } from './kimi-message-event.js';
import type { KimiMetricEvent } from './kimi-metric-event.js';
import type { KimiStatusEvent } from './kimi-status-event.js';
import type { KimiAlertDismissEvent } from '../components/alert-feed/kimi-alert-dismiss-event.js';

/** The library's own events: their names are reserved, a server frame never takes one. */
export interface KimiLibraryEventMap {
  'kimi:message': KimiMessageEvent<KimiMessage>;
  'kimi:status': KimiStatusEvent;
  'kimi:error': KimiErrorEvent;
  /** A usage reading (the legacy server type `metric` reaches pages through `kimi:message` only). */
  'kimi:metric': KimiMetricEvent;
  'kimi:hydrate': KimiHydrateEvent;
  'kimi:alert-dismiss': KimiAlertDismissEvent;
}

/** `kimi:<type>` for every message type the protocol names, except those the library's own events take. */
export type KimiServerEventMap = {
  [K in KimiMessageType as `kimi:${K}` extends keyof KimiLibraryEventMap ? never : `kimi:${K}`]: KimiMessageEvent<KimiMessageMap[K]>;
};

/** Every event `<kimi-realtime>` and its children dispatch, by name. */
export interface KimiEventMap extends KimiServerEventMap, KimiLibraryEventMap {}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-interface
  interface GlobalEventHandlersEventMap extends KimiEventMap {}
}
