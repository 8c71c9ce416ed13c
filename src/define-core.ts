/** Registers `<kimi-realtime>` only (the core script-tag bundle). */
import { KimiRealtime } from './components/realtime/kimi-realtime.js';

KimiRealtime.define();

export * from './index.js';
