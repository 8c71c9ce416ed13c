// Kimi Proxy's stand-in: the project's simulator (simulator/control.mjs), which serves `/ws` and the
// hydration routes of PROTOCOL.md §14 (`GET /api/sessions/{id}`) on the same host, like the real server.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startHub } from '../../../simulator/control.mjs';

export const fixtures = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/kimi-fixtures.json', import.meta.url)), 'utf8'));

export async function startKimi(options = {}) {
  const hub = await startHub({ host: '127.0.0.1', port: 0, controlPort: 0, rate: 0, sessions: [1, 2], activeSession: 1, ...options });
  return {
    hub,
    sim: hub.main,
    wsUrl: hub.main.url,
    /** Where the uplink reads hydrations: the simulator's own HTTP side. */
    httpUrl: hub.main.url.replace(/^ws/, 'http').replace(/\/ws$/, ''),
    async close() {
      await hub.close();
    },
  };
}

/** PROTOCOL.md §2.1, written out on its own as the oracle: does a viewer of `session` get `m`? */
export function belongsTo(m, session) {
  if (m.session_id !== undefined && m.session_id !== null) return String(m.session_id) === session;
  if (['init', 'new_session', 'auto_session_created'].includes(m.type)) return String(m.session?.id) === session;
  if (m.type === 'sessions_bulk_deleted') return m.session_ids.map(String).includes(session);
  return true;
}
