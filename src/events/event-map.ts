import type { KimiMessage, KimiMessageMap, KimiMessageType } from '../protocol/messages.js';
import type { KimiErrorEvent } from './kimi-error-event.js';
import type { KimiMessageEvent } from './kimi-message-event.js';
import type { KimiStatusEvent } from './kimi-status-event.js';
import type { KimiAlertDismissEvent } from '../components/alert-feed/kimi-alert-dismiss-event.js';

/** `kimi:<type>` for every message type the protocol names. */
export type KimiServerEventMap = {
  [K in KimiMessageType as `kimi:${K}`]: KimiMessageEvent<KimiMessageMap[K]>;
};

/** Every event `<kimi-realtime>` and its children dispatch, by name. */
export interface KimiEventMap extends KimiServerEventMap {
  'kimi:message': KimiMessageEvent<KimiMessage>;
  'kimi:status': KimiStatusEvent;
  'kimi:error': KimiErrorEvent;
  'kimi:alert-dismiss': KimiAlertDismissEvent;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-interface
  interface GlobalEventHandlersEventMap extends KimiEventMap {}
}
