// Kimi Proxy stand-ins: the project's simulator for `/ws` (simulator/control.mjs), and, until the
// simulator serves them, the hydration routes of PROTOCOL.md §14 (`GET /api/sessions/{id}`), answered
// the way the real server does (200 in every case, `{"error": …}` for an unknown id, CORS *).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startHub } from '../../../simulator/control.mjs';

export const fixtures = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/kimi-fixtures.json', import.meta.url)), 'utf8'));

export async function startKimi(options = {}) {
  const hub = await startHub({ host: '127.0.0.1', port: 0, controlPort: 0, rate: 0, sessions: [1, 2], activeSession: 1, ...options });
  const sessions = new Map();
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url);
    const match = /^\/api\/sessions\/([^/]+)$/.exec(req.url ?? '');
    const id = match ? decodeURIComponent(match[1]) : null;
    const answer = id === null ? null : sessions.get(id) ?? { error: `Session ${id} introuvable` };
    res.writeHead(answer ? 200 : 404, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
    res.end(JSON.stringify(answer ?? { detail: 'Not Found' }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    hub,
    sim: hub.main,
    wsUrl: hub.main.url,
    httpUrl: `http://127.0.0.1:${server.address().port}`,
    /** Hydration requests received, as paths. */
    requests,
    /** Sets what `GET /api/sessions/{id}` answers for `id`. */
    setSession(id, answer) {
      sessions.set(String(id), answer);
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await hub.close();
    },
  };
}

/** A `GET /api/sessions/{id}` answer shaped like PROTOCOL.md §14. */
export function sessionAnswer(id, metrics = 2) {
  return {
    session: { id, name: `Session ${id}`, provider: 'managed:kimi-code', model: 'kimi-for-coding', external_session_id: null, created_at: '2026-05-07 07:05:58', is_active: 0, reserved_tokens: 0, compaction_count: 0, last_compaction_at: null, auto_compaction_enabled: 1, auto_compaction_threshold: 0.8, consecutive_auto_compactions: 0, max_context: 262144 },
    provider: { key: 'managed:kimi-code', name: 'Kimi Code', color: '#6366f1', icon: 'K' },
    memory: {},
    stats: { total_requests: metrics, max_tokens: 1200, avg_tokens: 900, current_input_tokens: 800, current_output_tokens: 100, current_total_tokens: 900, cumulative_input_tokens: 1600, cumulative_output_tokens: 200, cumulative_total_tokens: 1800 },
    recent_metrics: Array.from({ length: metrics }, (_, i) => ({ id: 100 + metrics - i, session_id: id, timestamp: '2026-05-07 07:06:00', estimated_tokens: 900, percentage: 0.34, content_preview: null, prompt_tokens: 800, completion_tokens: 100, is_estimated: 0, source: 'proxy', memory_tokens: 0, chat_tokens: 900, memory_ratio: 0 })),
  };
}

/** PROTOCOL.md §2.1, written out on its own as the oracle: does a viewer of `session` get `m`? */
export function belongsTo(m, session) {
  if (m.session_id !== undefined && m.session_id !== null) return String(m.session_id) === session;
  if (['init', 'new_session', 'auto_session_created'].includes(m.type)) return String(m.session?.id) === session;
  if (m.type === 'sessions_bulk_deleted') return m.session_ids.map(String).includes(session);
  return true;
}
