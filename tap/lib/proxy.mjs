// Exact pass-through: method, path, query, headers and body go to the upstream unchanged, and the
// answer comes back unchanged (status, headers in their order and case, body chunk by chunk). Only
// hop-by-hop headers and Host are rewritten. A stream the upstream cuts is cut for the client too; a
// client that leaves cancels the upstream request. Upstream unreachable → 502, no answer in time → 504,
// both as a JSON error saying what failed.
import http from 'node:http';
import https from 'node:https';

/** RFC 9110 §7.6.1 connection-specific headers, plus the ones Node's clients treat the same way. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Raw header list without hop-by-hop fields (and those the Connection header names), optionally without Host.
 * @param {string[]} raw alternating names and values, as `rawHeaders`
 * @param {boolean} dropHost
 */
export function endToEnd(raw, dropHost) {
  const named = new Set();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'connection') for (const t of raw[i + 1].split(',')) named.add(t.trim().toLowerCase());
  }
  const out = [];
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(k) || named.has(k) || (dropHost && k === 'host')) continue;
    out.push(raw[i], raw[i + 1]);
  }
  return out;
}

/** A JSON error in OpenAI's shape, so an IDE shows its message. */
export function tapError(res, status, code, message) {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { message: `kimi-tap: ${message}`, type: 'kimi_tap_error', code } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export class Forwarder {
  /**
   * @param {{ upstream: URL, headersTimeoutMs: number, idleTimeoutMs: number }} o
   */
  constructor({ upstream, headersTimeoutMs, idleTimeoutMs }) {
    this.upstream = upstream;
    this.prefix = upstream.pathname.replace(/\/+$/, '');
    this.https = upstream.protocol === 'https:';
    this.agent = new (this.https ? https : http).Agent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' });
    this.headersTimeoutMs = headersTimeoutMs;
    this.idleTimeoutMs = idleTimeoutMs;
  }

  /**
   * Forwards one request. `watch` hooks see copies of what passes (never change it).
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   * @param {{ onRequestChunk?: (c: Buffer) => void, onRequestEnd?: () => void, onHeaders?: (status: number, headers: http.IncomingHttpHeaders) => void,
   *   onChunk?: (c: Buffer) => void, onDone?: (outcome: { kind: 'ok'|'cut'|'timeout'|'client_gone'|'unreachable'|'no_answer', status: number, reason?: string }) => void }} [watch]
   */
  forward(req, res, watch = {}) {
    const headers = endToEnd(req.rawHeaders, true);
    headers.push('Host', this.upstream.host);
    const upstreamReq = (this.https ? https : http).request({
      protocol: this.upstream.protocol,
      hostname: this.upstream.hostname.replace(/^\[|\]$/g, ''),
      port: this.upstream.port || (this.https ? 443 : 80),
      method: req.method,
      path: this.prefix + (req.url ?? '/'),
      headers,
      agent: this.agent,
      setHost: false,
    });
    // Each SSE event goes on as it comes: no Nagle delay on either hop.
    upstreamReq.on('socket', (socket) => socket.setNoDelay(true));
    let settled = false;
    /** @param {Parameters<NonNullable<typeof watch.onDone>>[0]} outcome */
    const done = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(headersTimer);
      clearTimeout(idleTimer);
      watch.onDone?.(outcome);
    };
    let idleTimer = null;
    let status = 0;
    const headersTimer = setTimeout(() => {
      upstreamReq.destroy();
      tapError(res, 504, 'upstream_timeout', `the upstream ${this.upstream.origin} sent no answer within ${Math.round(this.headersTimeoutMs / 1000)} s`);
      done({ kind: 'no_answer', status: 504, reason: `no answer within ${Math.round(this.headersTimeoutMs / 1000)} s` });
    }, this.headersTimeoutMs);

    upstreamReq.on('error', (e) => {
      if (status === 0 && !res.headersSent) {
        const code = /** @type {NodeJS.ErrnoException} */ (e).code ?? 'error';
        tapError(res, 502, 'upstream_unreachable', `could not reach the upstream ${this.upstream.origin} (${code})`);
        done({ kind: 'unreachable', status: 502, reason: `upstream unreachable (${code})` });
      } else {
        res.destroy();
        done({ kind: 'cut', status, reason: 'upstream connection failed' });
      }
    });

    upstreamReq.on('response', (up) => {
      clearTimeout(headersTimer);
      if (settled) {
        up.destroy();
        return;
      }
      status = up.statusCode ?? 502;
      watch.onHeaders?.(status, up.headers);
      res.sendDate = false;
      res.writeHead(status, up.statusMessage, endToEnd(up.rawHeaders, false));
      res.socket?.setNoDelay(true);
      // Headers go out now, as the upstream sent them, not with the first body byte (a slow first token
      // must not hold back the status line).
      res.flushHeaders();
      // One timer per response, not one per chunk: when it fires early it waits out the rest.
      let lastData = performance.now();
      const idleCheck = () => {
        const quiet = performance.now() - lastData;
        if (quiet < this.idleTimeoutMs) {
          idleTimer = setTimeout(idleCheck, this.idleTimeoutMs - quiet + 1);
          return;
        }
        done({ kind: 'timeout', status, reason: `the upstream stream stalled for ${Math.round(this.idleTimeoutMs / 1000)} s` });
        up.destroy();
        res.destroy();
      };
      idleTimer = setTimeout(idleCheck, this.idleTimeoutMs);
      up.on('data', (chunk) => {
        lastData = performance.now();
        // The client first, the observer's copy after.
        if (!res.write(chunk)) {
          up.pause();
          res.once('drain', () => up.resume());
        }
        watch.onChunk?.(chunk);
      });
      up.on('end', () => {
        clearTimeout(idleTimer);
        res.end(() => done({ kind: 'ok', status }));
      });
      up.on('aborted', () => {
        res.destroy();
        done({ kind: 'cut', status, reason: 'the upstream closed the stream early' });
      });
      up.on('error', () => {
        res.destroy();
        done({ kind: 'cut', status, reason: 'the upstream closed the stream early' });
      });
      up.on('close', () => {
        if (up.complete) return;
        res.destroy();
        done({ kind: 'cut', status, reason: 'the upstream closed the stream early' });
      });
    });

    // The client leaving (before the answer ended) cancels the upstream request.
    res.on('close', () => {
      if (!res.writableFinished && !settled) {
        done({ kind: 'client_gone', status });
        upstreamReq.destroy();
      }
    });
    req.on('data', (chunk) => watch.onRequestChunk?.(chunk));
    req.on('end', () => watch.onRequestEnd?.());
    req.pipe(upstreamReq);
  }

  close() {
    this.agent.destroy();
  }
}
