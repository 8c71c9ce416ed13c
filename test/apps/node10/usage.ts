// Type-checked by test/node/apps.test.mjs with `moduleResolution: node` (node10 ignores "exports"; typesVersions maps the subpaths).
import { KimiRealtime, parseKimiTimestamp } from 'kimi-realtime';
import { define } from 'kimi-realtime/define.js';
import 'kimi-realtime/define-core.js';
import { KimiRealtime as KimiRealtimeComponent } from 'kimi-realtime/react';
import type {} from 'kimi-realtime/jsx/react';

define('my-realtime');
KimiRealtime.define('other-realtime');
export const when: number = parseKimiTimestamp('2026-05-07 07:05:58');
export const component: typeof KimiRealtimeComponent = KimiRealtimeComponent;
