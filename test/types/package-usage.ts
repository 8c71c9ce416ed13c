// Compiled against the built package (dist/*.d.ts through package.json "exports"), as an npm user would.
import { KimiRealtime, type KimiErrorDetail } from 'kimi-realtime';
import 'kimi-realtime/define.js';

const el = document.createElement('kimi-realtime');
const same: KimiRealtime = el;
document.addEventListener('kimi:metric', (e) => `${e.detail.percentage.toFixed(1)} % of ${e.detail.window ?? '?'} (${e.detail.source})`);
document.addEventListener('kimi:alert-dismiss', (e) => e.detail.level);
document.addEventListener('kimi:error', (e) => {
  const detail: KimiErrorDetail = e.detail;
  return detail.kind;
});
export { same };
