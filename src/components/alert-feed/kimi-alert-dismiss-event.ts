import type { AlertItem } from './alert-model.js';

/**
 * `kimi:alert-dismiss`: a person dismissed an item of `<kimi-alert-feed>` (it is already gone from
 * the feed). `detail` is the item. Bubbles and is composed. Typed for `addEventListener` through
 * `KimiEventMap` (src/events/event-map.ts).
 */
export class KimiAlertDismissEvent extends CustomEvent<AlertItem> {
  constructor(item: AlertItem) {
    super('kimi:alert-dismiss', { detail: item, bubbles: true, composed: true });
  }
}
