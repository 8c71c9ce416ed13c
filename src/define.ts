/** Registers every kimi-realtime element. The only module of the npm build with side effects. */
import { KimiRealtime } from './components/realtime/kimi-realtime.js';

KimiRealtime.define();

export * from './index.js';
