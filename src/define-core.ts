/** Registers `<kimi-realtime>` only: the entry of the core script-tag bundle (kept under 16 KB min+gzip). */
import { KimiRealtime } from './components/realtime/kimi-realtime.js';

KimiRealtime.define();

export { KimiRealtime, defaultKimiUrl } from './components/realtime/kimi-realtime.js';
export { KimiMessageEvent } from './events/kimi-message-event.js';
export { KimiStatusEvent } from './events/kimi-status-event.js';
export { KimiErrorEvent } from './events/kimi-error-event.js';
export type * from './index.js';
