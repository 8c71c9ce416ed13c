// Minimal static file server for the demo and the benchmark pages, with optional pass-throughs of
// `/ws` (WebSocket) and `/api/` (HTTP) so a page can use the default addresses on its own host, like
// the Kimi dashboard served by Kimi Proxy itself.
import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * @param {{ root: string, allow: string[], host?: string, port?: number, wsTarget?: () => number | null,
 *   apiTarget?: () => number | null, headers?: Record<string,string>, routes?: Record<string, (req, res) => void> }} options
 */
export function startStaticServer({ root, allow, host = '127.0.0.1', port = 0, wsTarget, apiTarget, headers = {}, routes = {} }) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (routes[path]) return routes[path](req, res);
    if (apiTarget && path.startsWith('/api/')) return proxyHttp(req, res, apiTarget());
    if (path === '/') {
      res.writeHead(302, { Location: '/demo/' });
      return res.end();
    }
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(base) || !allow.some((dir) => file.startsWith(join(base, dir)))) {
      res.writeHead(404).end('not found');
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) {
        res.writeHead(302, { Location: `${path}/` });
        return res.end();
      }
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store', ...headers });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  if (wsTarget) {
    server.on('upgrade', (req, socket, head) => {
      const target = wsTarget();
      if (!target || !req.url.startsWith('/ws')) return socket.destroy();
      const upstream = connect(target, '127.0.0.1', () => {
        const lines = [`${req.method} ${req.url} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head?.length) upstream.write(head);
        upstream.pipe(socket).pipe(upstream);
      });
      const end = () => {
        upstream.destroy();
        socket.destroy();
      };
      upstream.on('error', end);
      socket.on('error', end);
      upstream.on('close', end);
      socket.on('close', end);
    });
  }
  function proxyHttp(req, res, target) {
    if (!target) return res.writeHead(502).end('no upstream');
    const upstream = httpRequest({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end('upstream unreachable');
    });
    req.pipe(upstream);
  }
  return new Promise((resolvePromise) => {
    server.listen(port, host, () =>
      resolvePromise({
        server,
        url: `http://${host}:${server.address().port}`,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(r);
          }),
      }),
    );
  });
}
