import { fixture, html } from '@open-wc/testing';
import '../../../src/define.js';
import type { KimiRealtime } from '../../../src/index.js';
import { until } from './simulator.js';

/**
 * Mounts `<kimi-realtime>` with the given attributes and waits until it is open. Connection tests
 * do not need the session's HTTP history: `no-hydrate` unless the test sets `hydrate: true`.
 */
export async function mountRealtime(attrs: Record<string, string | number | boolean>, { waitOpen = true } = {}): Promise<KimiRealtime> {
  const el = document.createElement('kimi-realtime');
  if (!attrs['hydrate']) el.setAttribute('no-hydrate', '');
  delete attrs['hydrate'];
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  const mounted = await fixture<KimiRealtime>(html`<div>${el}</div>`).then((div) => div.firstElementChild as KimiRealtime);
  if (waitOpen) await until(() => mounted.state === 'open', { what: 'state open' });
  return mounted;
}

const recorders: (() => void)[] = [];

/**
 * Records the `detail` of every event of the given name dispatched on/through `target`, until the
 * end of the test: a recorder left on `document` would keep every later test's events alive.
 */
export function record<T = any>(target: EventTarget, name: string): T[] {
  const seen: T[] = [];
  const listener = (e: Event) => seen.push((e as CustomEvent<T>).detail);
  target.addEventListener(name, listener);
  recorders.push(() => target.removeEventListener(name, listener));
  return seen;
}

afterEach(() => {
  for (const stop of recorders.splice(0)) stop();
});
