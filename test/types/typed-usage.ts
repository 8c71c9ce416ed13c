// Compiled by `npm test` (tsc --noEmit): the event map must type these with no cast.
import type { KimiRealtime } from '../../src/index.js';
import '../../src/define.js';

document.addEventListener('kimi:metric', (e) => {
  const percentage: number = e.detail.percentage;
  const source: 'proxy' | 'continue' | 'kimi-cli' | `log:${string}` = e.detail.source;
  const window: number | null = e.detail.window;
  return [percentage, source, window, e.detail.level, e.detail.frame];
});
document.addEventListener('kimi:hydrate', (e) => (e.detail.found ? e.detail.readings.length : e.detail.error));
document.addEventListener('kimi:metric_updated', (e) => {
  const level: 'caution' | 'warning' | 'critical' | undefined = e.detail.alert?.level;
  const total: number = e.detail.real_tokens.total;
  return [level, total];
});
document.addEventListener('kimi:log_metric', (e) => e.detail.metrics.percentage.toFixed(1));
document.addEventListener('kimi:status', (e) => e.detail.state === 'open');
document.addEventListener('kimi:budget', (e) => {
  const level: number = e.detail.level;
  const rate: number | null = e.detail.burnRate;
  return [level, rate, e.detail.spent / e.detail.budget];
});
document.addEventListener('kimi:request_failed', (e) => [e.detail.failed_by, e.detail.model, e.detail.ttft_ms]);
document.addEventListener('kimi:metric', (e) => e.detail.request?.ttftMs ?? e.detail.request?.model);
document.querySelector('kimi-model-table')?.exportData('csv');
document.querySelector('kimi-cost-meter')?.spent.usd;
document.addEventListener('kimi:error', (e) => e.detail.kind === 'queue-overflow');
document.addEventListener('kimi:message', (e) => {
  if (e.detail.type === 'init') {
    const id: number = (e.detail as import('../../src/index.js').InitMessage).session.id;
    return id;
  }
  return null;
});
const el: KimiRealtime = document.createElement('kimi-realtime');
el.addEventListener('kimi:compaction_event', (e) => e.detail.compaction.tokens_saved);
el.send({ type: 'memory_similarity_search', payload: { reference_text: 'x', limit: 5 } });
// request(): the reply type follows the command.
void el.request({ type: 'memory_compress_preview', threshold: 0.3 }).then((r) => {
  const type: 'memory_compress_preview_response' = r.type;
  const ratio: number | null | undefined = r.result?.compression_ratio;
  return [type, ratio];
});
void el.request({ type: 'memory_similarity_search', payload: { reference_id: 'mem_004' } }, { timeout: 5000 }).then((r) => r.result?.results.map((m) => m.id));
el.addEventListener('kimi:stats', (e) => e.detail.connection?.framesPerSecond.toFixed(1));
// @ts-expect-error: a command without a reply
void el.request({ type: 'note' });

// @ts-expect-error: a metric detail has no such field
document.addEventListener('kimi:metric', (e) => e.detail.nonexistent);

// The reserved event names come from one runtime list (KIMI_LIBRARY_EVENTS); it must be exactly the
// events of the map that are not server messages, and no server type may keep one of its names.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type LibraryNames = keyof typeof import('../../src/events/event-map.js').KIMI_LIBRARY_EVENTS;
type MapNames = keyof import('../../src/index.js').KimiEventMap;
type ServerNames = keyof import('../../src/index.js').KimiServerEventMap;
export const reservedListIsTheLibraryHalfOfTheMap: Same<Exclude<MapNames, ServerNames>, LibraryNames> = true;
export const noServerTypeTakesALibraryName: Same<Extract<ServerNames, LibraryNames>, never> = true;
// @ts-expect-error: the check fails when the two differ
export const checkCanFail: Same<'kimi:message' | 'kimi:status', LibraryNames> = true;
