import { parseFrame } from '../../../src/protocol/parse-frame.js';

/** A `metric_updated` frame as Kimi Proxy sends it, for a session and metric id of the test's choice. */
export const metric = (session: unknown, id: number, extra: Record<string, unknown> = {}) => ({
  type: 'metric_updated',
  metric_id: id,
  session_id: session,
  real_tokens: { total: 100, prompt: 90, completion: 10, percentage: 1 },
  cumulative_tokens: 100,
  cumulative_percentage: 1,
  alert: null,
  source: 'proxy',
  ...extra,
});

/**
 * Hands frames to a `<kimi-realtime>` as if its socket had received them: through its real frame
 * path (parse, filter, `kimi:<type>`, `kimi:metric` readings, `kimi:message`), with no server.
 * For element tests that need exact frames at exact times; integration tests use the simulator.
 */
export function deliver(source: Element, ...messages: object[]): void {
  const frame = (source as unknown as { frame?(message: unknown, bytes: number): void }).frame?.bind(source);
  if (!frame) throw new Error(`${source.localName} has no frame path (not an upgraded <kimi-realtime>?)`);
  for (const message of messages) {
    const text = JSON.stringify(message);
    frame(parseFrame(text), new TextEncoder().encode(text).length);
  }
}
