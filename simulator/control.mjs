// HTTP control server ("hub") so browser tests and scripts can drive simulators remotely:
// it owns a default instance "main" and can spawn more. JSON everywhere, CORS open
// (test pages run on another origin), and a bad request never takes the hub down.
//
//   GET    /  or /health             instances
//   GET    /sim                      instances
//   POST   /sim                      spawn one: body = KimiSimulator options → {id, url, port}
//   GET    /sim/:id[?received=n]     counters, active session, last n client frames
//   GET    /sim/:id/sessions         {active, sessions: SessionRow + max_context, auto_session, total_requests, last_metric_id}
//   DELETE /sim/:id                  stop a spawned instance
//   POST   /sim/:id/<command>        push {frames} | push-binary {bytes} | drop {code?} | stall {on} |
//                                    restart {downMs?} | rate {rate} | blast {count, sessions?, size?, spacingMs?} |
//                                    reset-counters | active {sessionId} | switch | session {via?, name?, provider?,
//                                    model?, externalSessionId?, maxContext?} | delete {sessionIds} |
//                                    request {tokens?, completion?, live?, model?, preview?, streamError?} |
//                                    log {source?, totalTokens?, promptTokens?, completionTokens?, toolsTokens?,
//                                    systemTokens?, contextLength?} | auto-session {enabled}

import http from 'node:http';
import { KimiSimulator } from './simulator.mjs';

const MAX_BODY = 16 * 1024 * 1024;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-allow-headers': 'Content-Type',
  'access-control-max-age': '600',
};

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...CORS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Largest text `expand` may build (a hostile string of 10 MB fits with room to spare). */
const MAX_EXPANDED = 64 * 1024 * 1024;

/**
 * `push` with `expand: {marker, text, times}`: every `marker` in the text frames becomes `text`
 * repeated `times` times, so a test can send a frame of megabytes without uploading it.
 */
function expandFrames(frames, expand) {
  const { marker, text, times } = expand ?? {};
  if (typeof marker !== 'string' || marker.length < 4) throw new HttpError(400, 'expand.marker must be a string of 4 or more characters');
  if (typeof text !== 'string' || !Number.isInteger(times) || times < 0 || text.length * times > MAX_EXPANDED) {
    throw new HttpError(400, `expand.text repeated expand.times must stay under ${MAX_EXPANDED} characters`);
  }
  const big = text.repeat(times);
  return frames.map((f) => (typeof f === 'string' ? f.split(marker).join(big) : f));
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'body must be a JSON object');
  return body;
}

/** Wraps argument errors thrown by the simulator as 400s. */
function guard(fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) throw new HttpError(400, e.message);
    throw e;
  }
}

/**
 * Starts the hub with its default simulator "main".
 * @param {{ host?: string, port?: number, controlPort?: number, log?: (line: string) => void }
 *   & ConstructorParameters<typeof KimiSimulator>[0]} [options] port/controlPort default to 8765/8766 (0 = random)
 * @returns {Promise<{ controlUrl: string, controlPort: number, main: KimiSimulator,
 *   instances: Map<string, KimiSimulator>, close: () => Promise<void> }>}
 */
export async function startHub(options = {}) {
  const { controlPort = 8766, log = () => {}, ...simOptions } = options;
  const host = simOptions.host ?? '127.0.0.1';
  const main = new KimiSimulator({ ...simOptions, host, port: simOptions.port ?? 8765 });
  await main.start();
  /** @type {Map<string, KimiSimulator>} */
  const instances = new Map([['main', main]]);
  let nextId = 1;

  const find = (id) => {
    const sim = instances.get(id);
    if (!sim) throw new HttpError(404, `no simulator "${id}"`);
    return sim;
  };

  async function route(method, parts, req) {
    if (parts.length === 0 || (parts.length === 1 && parts[0] === 'health')) {
      if (method !== 'GET') throw new HttpError(405, 'method not allowed');
      return { ok: true, instances: [...instances].map(([id, s]) => ({ id, url: s.url, port: s.port })) };
    }
    if (parts[0] !== 'sim') throw new HttpError(404, 'not found');
    if (parts.length === 1) {
      if (method === 'GET') return { instances: [...instances].map(([id, s]) => ({ id, url: s.url, port: s.port })) };
      if (method !== 'POST') throw new HttpError(405, 'method not allowed');
      const body = await readJson(req);
      const sim = guard(() => new KimiSimulator({ ...body, host: body.host ?? host }));
      try {
        await sim.start();
      } catch (e) {
        throw new HttpError(409, `cannot listen: ${e.message}`);
      }
      const id = `s${nextId++}`;
      instances.set(id, sim);
      log(`Kimi Proxy simulator [${id}]: ${sim.url}`);
      return { id, url: sim.url, port: sim.port };
    }
    const id = parts[1];
    const sim = find(id);
    if (parts.length === 3 && parts[2] === 'sessions' && method === 'GET') return sim.sessions();
    if (parts.length === 2) {
      if (method === 'GET') {
        const limit = Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('received') ?? 1000);
        return { id, ...sim.status(Number.isFinite(limit) ? limit : 1000) };
      }
      if (method === 'DELETE') {
        if (id === 'main') throw new HttpError(400, 'the main simulator cannot be deleted');
        instances.delete(id);
        await sim.stop();
        return { ok: true };
      }
      throw new HttpError(405, 'method not allowed');
    }
    if (parts.length !== 3) throw new HttpError(404, 'not found');
    if (method !== 'POST') throw new HttpError(405, 'method not allowed');
    const body = await readJson(req);
    switch (parts[2]) {
      case 'push':
        if (!Array.isArray(body.frames)) throw new HttpError(400, 'frames must be an array');
        return { sent: guard(() => sim.push(body.expand == null ? body.frames : expandFrames(body.frames, body.expand))) };
      case 'push-binary':
        if (!Array.isArray(body.bytes) || !body.bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
          throw new HttpError(400, 'bytes must be an array of integers 0..255');
        }
        return { sent: sim.pushBinary(Uint8Array.from(body.bytes)) };
      case 'drop':
        return { dropped: guard(() => sim.drop(body.code === undefined || body.code === null ? {} : { code: body.code })) };
      case 'stall':
        if (typeof body.on !== 'boolean') throw new HttpError(400, 'on must be a boolean');
        sim.stall(body.on);
        return { stalled: sim.stalled };
      case 'hold':
        if (typeof body.on !== 'boolean') throw new HttpError(400, 'on must be a boolean');
        sim.holdHandshakes(body.on);
        return { holding: body.on };
      case 'restart': {
        const r = await guardAsync(() => sim.restart(body.downMs === undefined ? {} : { downMs: body.downMs }));
        return { ok: true, ...r };
      }
      case 'active':
        if (!Object.hasOwn(body, 'sessionId')) throw new HttpError(400, 'sessionId is required (integer or null)');
        return { changed: guard(() => sim.setActive(body.sessionId)), active: sim.active };
      case 'switch':
        return sim.switchSession();
      case 'session':
        return { session: guard(() => sim.createSession(body)), active: sim.active };
      case 'delete': {
        const r = sim.deleteSessions(body.sessionIds);
        if ('error' in r) throw new HttpError(409, r.error);
        return r;
      }
      case 'request':
        return guard(() => sim.recordRequest(body));
      case 'log':
        return { frame: guard(() => sim.emitLog(body)) };
      case 'auto-session': {
        if (!Object.hasOwn(body, 'enabled')) throw new HttpError(400, 'enabled is required');
        const r = sim.setAutoSession(body.enabled);
        if ('error' in r) throw new HttpError(409, r.error);
        return r;
      }
      case 'rate':
        guard(() => sim.setRate(body.rate));
        return { rate: sim.rate };
      case 'blast':
        return guardAsync(() => sim.blast(body));
      case 'reset-counters':
        sim.resetCounters();
        return { ok: true };
      default:
        throw new HttpError(404, 'not found');
    }
  }

  async function guardAsync(fn) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof TypeError || e instanceof RangeError) throw new HttpError(400, e.message);
      throw new HttpError(409, e.message);
    }
  }

  const server = http.createServer(async (req, res) => {
    try {
      if (req.method === 'OPTIONS') {
        const extra = req.headers['access-control-request-private-network'] ? { 'access-control-allow-private-network': 'true' } : {};
        res.writeHead(204, { ...CORS, ...extra });
        res.end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      send(res, 200, await route(req.method, parts, req));
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      if (!res.headersSent) send(res, status, { error: e instanceof Error ? e.message : String(e) });
      else res.destroy();
    }
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(controlPort, host, () => {
        server.off('error', reject);
        resolve(undefined);
      });
    });
  } catch (e) {
    await main.stop();
    throw e;
  }
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing = null;

  return {
    controlUrl: `http://${urlHost}:${port}`,
    controlPort: port,
    main,
    instances,
    close() {
      closing ??= (async () => {
        await new Promise((resolve) => {
          server.close(() => resolve(undefined));
          server.closeAllConnections();
        });
        await Promise.all([...instances.values()].map((s) => s.stop()));
        instances.clear();
      })();
      return closing;
    },
  };
}
