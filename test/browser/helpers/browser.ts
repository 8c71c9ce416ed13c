/** What differs between the browsers the suite runs in, and the tools to say so in the output. */
import { executeServerCommand } from '@web/test-runner-commands';
import { until } from './simulator.js';

/** The engine running this page, for messages. */
export const engine: 'Chromium' | 'Firefox' | 'WebKit' = /Firefox\//.test(navigator.userAgent)
  ? 'Firefox'
  : /Chrome\//.test(navigator.userAgent)
    ? 'Chromium'
    : 'WebKit';

/**
 * Skips the running test and prints why (mocha's `skip()` takes no reason, and a skip must never look like
 * a pass). Call it before the test's own assertions, or after them only when what remains cannot be
 * checked here.
 */
export function skipBecause(ctx: Mocha.Context, reason: string): never {
  console.warn(`[skipped in ${engine}] ${ctx.currentTest?.fullTitle() ?? ctx.test?.fullTitle() ?? ''}: ${reason}`);
  ctx.skip();
}

type Scheme = 'light' | 'dark';

/**
 * Switches `prefers-color-scheme` for this page (see test/launchers/color-scheme.mjs) and waits until the
 * page sees it. Resolves `false` where the browser cannot switch and the page is not already in `scheme`.
 */
export async function setColorScheme(scheme: Scheme): Promise<boolean> {
  const { applied } = await executeServerCommand<{ applied: boolean; reason?: string }, { scheme: Scheme }>('kimi-color-scheme', { scheme });
  const matches = () => matchMedia(`(prefers-color-scheme: ${scheme})`).matches;
  if (!applied) return matches();
  await until(matches, { timeout: 3000, what: `prefers-color-scheme: ${scheme}` });
  return true;
}

/** `setColorScheme(scheme)`, skipping the test (with the reason) where the browser cannot switch to it. */
export async function useColorScheme(ctx: Mocha.Context, scheme: Scheme): Promise<void> {
  if (await setColorScheme(scheme)) return;
  skipBecause(
    ctx,
    `cannot emulate prefers-color-scheme: ${scheme} (WebDriver classic has no such command); the ${scheme} scheme is tested in Chromium and Firefox`,
  );
}

/** The JS heap size after a forced collection, or `null` where `performance.memory` or `gc()` is missing. */
export function measuredHeap(): (() => number) | null {
  const gc = (window as unknown as { gc?: () => void }).gc;
  const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  if (!gc || !memory) return null;
  return () => {
    gc();
    return memory.usedJSHeapSize;
  };
}

/** Epoch ms with sub-ms precision, comparable with the test runner's typing stamps. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/**
 * The test runner types `key` into the focused element, one press after another with `interval` ms
 * between them, until `stop()`, which resolves with the epoch ms at which each press was sent (see
 * test/launchers/typing.mjs). Unlike a typing loop in the page, it keeps typing while the page's main
 * thread is busy.
 */
export async function startTyping(key: string, interval: number): Promise<{ stop: () => Promise<number[]> }> {
  type Payload = { action: 'start'; key: string; interval: number } | { action: 'stop' };
  await executeServerCommand<unknown, Payload>('kimi-typing', { action: 'start', key, interval });
  return {
    stop: async () => (await executeServerCommand<{ sent: number[] }, Payload>('kimi-typing', { action: 'stop' })).sent,
  };
}
