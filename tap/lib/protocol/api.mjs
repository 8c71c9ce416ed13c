// Kimi Proxy's session routes (PROTOCOL.md §14), served on the same host and port as `/ws`, with the
// answers api/routes/sessions.py gives at 2c68469: HTTP 200 with an `{"error": …}` body for an unknown
// or missing session, FastAPI's `{"detail": …}` for unknown paths (404), wrong methods (405) and
// non-integer ids (422). CORS as Starlette's CORSMiddleware with allow_origins=["*"],
// allow_credentials=True, any method and header: `Access-Control-Allow-Origin: *` on answers, and
// preflights (OPTIONS with Origin and Access-Control-Request-Method) answered 200 "OK" with the
// requesting origin echoed, as Starlette does when credentials are allowed.

import { dumps } from './format.mjs';

const MAX_BODY = 64 * 1024;
const PREFLIGHT_METHODS = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT';

/** Headers every answer carries (Starlette's "simple" CORS headers). */
const SIMPLE_CORS = { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' };

/** @returns {true} (handled) */
function reply(res, status, text, type = 'application/json') {
  res.writeHead(status, { ...SIMPLE_CORS, 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
  return true;
}

const detail = (res, status, message) => reply(res, status, dumps({ detail: message }));

/** FastAPI's int path parameter: anything else is a 422 with pydantic's message. */
function pathInt(res, text) {
  if (/^[+-]?\d+$/.test(text.trim()) && Number.isSafeInteger(Number(text))) return Number(text);
  reply(
    res,
    422,
    dumps({
      detail: [{ type: 'int_parsing', loc: ['path', 'session_id'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: text }],
    }),
  );
  return null;
}

/** `await request.json()`; a body that is not JSON makes the real route raise (a plain 500). */
async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) return { ok: false };
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/** Python's `dict.get(key, default)` on a parsed JSON body that may not be an object. */
const get = (body, key, fallback) => (body && typeof body === 'object' && !Array.isArray(body) && Object.hasOwn(body, key) ? body[key] : fallback);

/**
 * Answers an HTTP request if it is one of Kimi Proxy's routes.
 * @param {ProtocolSource} sim
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @returns {Promise<boolean>} false when the path is not an API path (the caller answers)
 */
export async function handleApi(sim, req, res) {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const method = req.method ?? 'GET';
  if (method === 'OPTIONS' && req.headers.origin && req.headers['access-control-request-method']) {
    const headers = {
      'access-control-allow-origin': req.headers.origin,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': PREFLIGHT_METHODS,
      'access-control-max-age': '600',
      vary: 'Origin',
      'content-type': 'text/plain; charset=utf-8',
      'content-length': '2',
    };
    const asked = req.headers['access-control-request-headers'];
    if (asked) headers['access-control-allow-headers'] = String(asked);
    res.writeHead(200, headers);
    res.end('OK');
    return true;
  }
  if (path !== '/api/sessions' && !path.startsWith('/api/sessions/')) return false;
  const parts = path.split('/').slice(3); // after "/api/sessions"
  const store = sim.store;
  const body = async () => {
    const r = await readJson(req);
    if (!r.ok) reply(res, 500, 'Internal Server Error', 'text/plain; charset=utf-8');
    return r;
  };

  if (parts.length === 0) {
    if (method === 'GET') return reply(res, 200, dumps(store.list()));
    if (method === 'POST') {
      const r = await body();
      if (!r.ok) return true;
      const answer = sim.createSession({
        via: 'http',
        name: get(r.value, 'name', undefined),
        provider: get(r.value, 'provider', undefined),
        model: get(r.value, 'model', null),
        externalSessionId: get(r.value, 'external_session_id', null) || get(r.value, 'session_external_id', null),
      });
      return reply(res, 200, dumps(answer));
    }
    if (method === 'DELETE') {
      const r = await body();
      if (!r.ok) return true;
      return reply(res, 200, dumps(sim.deleteSessions(get(r.value, 'session_ids', []))));
    }
    return detail(res, 405, 'Method Not Allowed');
  }
  const [head, tail, ...more] = parts;
  if (more.length || head === '') return detail(res, 404, 'Not Found');
  if (tail === undefined) {
    if (head === 'active') {
      if (method !== 'GET') return detail(res, 405, 'Method Not Allowed');
      const id = store.active;
      return reply(res, 200, id === null ? dumps({ error: 'Aucune session active' }) : store.sessionAnswer(id));
    }
    if (head === 'auto-status') {
      if (method !== 'GET') return detail(res, 405, 'Method Not Allowed');
      const id = store.active;
      return reply(res, 200, dumps({ enabled: id === null ? true : store.autoSessionEnabled(id), session_id: id }));
    }
    if (head === 'toggle-auto') {
      if (method !== 'POST') return detail(res, 405, 'Method Not Allowed');
      const r = await body();
      if (!r.ok) return true;
      return reply(res, 200, dumps(sim.setAutoSession(get(r.value, 'enabled', true))));
    }
    if (method !== 'GET') return detail(res, 405, 'Method Not Allowed');
    const id = pathInt(res, head);
    return id === null || reply(res, 200, store.sessionAnswer(id));
  }
  if (tail !== 'activate') return detail(res, 404, 'Not Found');
  if (method !== 'POST') return detail(res, 405, 'Method Not Allowed');
  const id = pathInt(res, head);
  if (id === null) return true;
  if (store.active === id) return reply(res, 200, dumps({ message: 'Session déjà active', session_id: id }));
  sim.setActive(id);
  if (store.active !== id) return reply(res, 200, dumps({ error: 'Session non trouvée', session_id: id }));
  return reply(res, 200, dumps({ message: 'Session activée', session_id: id, session: store.row(id) }));
}
