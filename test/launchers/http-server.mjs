// The `kimi-http` test command: a real HTTP server on 127.0.0.1, in the test runner's process, that
// answers the way servers the element meets in the wild do — Kimi Proxy 2.x (no `/ws`, no
// `/api/sessions*`), and hostile or broken history answers. Pages reach it cross-origin, as they reach
// a Kimi Proxy; every answer carries `Access-Control-Allow-Origin: *` as Kimi Proxy's did.
//
// `{ action: 'start' }` → `{ origin, other }` (`other`: a second server, another origin, for redirects);
// `{ action: 'log' }` → `{ requests: [path…] }` since the last `reset`; `{ action: 'reset' }`.
//
// Routes (no prefix: Kimi Proxy 2.0.0-mcp as it runs today):
// - `GET /health` → `{"status":"ok","version":"2.0.0-mcp"}`; the `/ws` upgrade → 403; anything else → 404.
// - `/<scenario>/api/sessions/<id|active>` for the history scenarios:
//   `ok` (the session asked, 60 ms late), `wrong` (session 2 whatever was asked), `redirect` (302 to the
//   other origin, which answers like `ok`), `hang` (headers never come), `trickle` (headers, then 1 byte
//   a second), `huge` (1,000,000 rows, ~110 MB, streamed), `active` (`/active` names session 5).
import http from 'node:http';

export const COMMAND = 'kimi-http';

const json = (res, status, body) => {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
  res.end(JSON.stringify(body));
};

const row = (id, session) => ({
  id,
  session_id: session,
  timestamp: '2026-12-05 10:00:00',
  estimated_tokens: 1000 + id,
  percentage: 1,
  is_estimated: 0,
  content_preview: 'x'.repeat(40),
});

const sessionAnswer = (id) => ({ session: { id, name: `S${id}`, max_context: 100_000 }, stats: null, recent_metrics: [row(1, id)] });

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
}

/** One pair of servers per browser session: engines run side by side, and each test reads its own log. */
export function httpServerPlugin() {
  const servers = new Map();
  return {
    name: COMMAND,
    async executeCommand({ command, payload, session }) {
      if (command !== COMMAND) return undefined;
      let mine = servers.get(session.id);
      if (!mine) servers.set(session.id, (mine = await startServers()));
      switch (payload?.action) {
        case 'start':
          return { origin: mine.origin, other: mine.other };
        case 'log':
          return { requests: mine.requests };
        case 'reset':
          mine.requests.length = 0;
          return { ok: true };
        default:
          throw new Error(`${COMMAND}: unknown action ${payload?.action}`);
      }
    },
    serverStop() {
      for (const mine of servers.values()) mine.close();
    },
  };
}

async function startServers() {
  const requests = [];
  const open = new Set();
  const started = {};
  const other = http.createServer((req, res) => {
    const id = Number(req.url.split('/').pop());
    json(res, 200, sessionAnswer(Number.isFinite(id) ? id : 1));
  });
  const main = http.createServer((req, res) => {
    requests.push(req.url);
    const parts = req.url.split('?')[0].split('/').filter(Boolean);
    if (parts.length === 1 && parts[0] === 'health') return json(res, 200, { status: 'ok', version: '2.0.0-mcp' });
    const [scenario, api, sessions, id] = parts;
    if (api !== 'api' || sessions !== 'sessions' || id === undefined) return json(res, 404, { detail: 'Not Found' });
    const asked = id === 'active' ? 5 : Number(id);
    switch (scenario) {
      case 'ok':
      case 'active':
        return void setTimeout(() => json(res, 200, sessionAnswer(asked)), 60);
      case 'wrong':
        return json(res, 200, sessionAnswer(2));
      case 'redirect':
        res.writeHead(302, { Location: `${started.other}/api/sessions/${id}`, 'Access-Control-Allow-Origin': '*' });
        return void res.end();
      case 'hang':
        return; // never answers; closed when the client aborts
      case 'trickle': {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
        const text = JSON.stringify(sessionAnswer(asked));
        let at = 0;
        const timer = setInterval(() => {
          if (at >= text.length) return (clearInterval(timer), res.end());
          res.write(text[at++]);
        }, 1000);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'huge': {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
        res.write(`{"session":{"id":${asked},"max_context":100000},"recent_metrics":[`);
        let n = 0;
        const pump = () => {
          while (n < 1_000_000) {
            const chunk = [];
            for (let i = 0; i < 1000 && n < 1_000_000; i++, n++) chunk.push(JSON.stringify(row(n, asked)));
            if (!res.write((n > 1000 ? ',' : '') + chunk.join(','))) return void res.once('drain', pump);
          }
          res.end(']}');
        };
        res.on('close', () => (n = 1_000_000));
        return pump();
      }
      default:
        return json(res, 404, { detail: 'Not Found' });
    }
  });
  // Kimi Proxy 2.x refuses the WebSocket handshake on /ws (FastAPI without the route: 403).
  main.on('upgrade', (req, socket) => {
    requests.push(`${req.url} (upgrade)`);
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  for (const server of [main, other]) server.on('connection', (s) => (open.add(s), s.on('close', () => open.delete(s))));
  const [origin, otherOrigin] = await Promise.all([listen(main), listen(other)]);
  Object.assign(started, { origin, other: otherOrigin });
  return { origin, other: otherOrigin, requests, close: () => (main.close(), other.close(), open.forEach((s) => s.destroy())) };
}
