/** Registers `<kimi-realtime>` only: the entry of the core script-tag bundle (its budget is in scripts/size.mjs). */
import { KimiRealtime } from './components/realtime/kimi-realtime.js';

KimiRealtime.define();

export { KimiRealtime } from './components/realtime/kimi-realtime.js';
export { KimiMessageEvent } from './events/kimi-message-event.js';
export { KimiStatusEvent } from './events/kimi-status-event.js';
export { KimiErrorEvent } from './events/kimi-error-event.js';
export { KimiRequestError } from './components/realtime/requests.js';
export type * from './index.js';

/**
 * Registers `<kimi-realtime>` under another tag as well: with the script-tag bundles the global
 * `KimiRealtime` is this module, so `KimiRealtime.define('my-realtime')` works there as it does on
 * the class.
 */
export function define(tag?: string): void {
  KimiRealtime.define(tag);
}
