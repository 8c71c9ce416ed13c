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

  /**
   * An HTTP upgrade (a WebSocket to the upstream, e.g. a realtime API) on a path that is not the tap's:
   * forwarded with its headers (Connection and Upgrade kept, as an upgrade needs them), then the two
   * sockets are joined byte for byte. A refusal comes back as the upstream answered it.
   * @param {http.IncomingMessage} req @param {import('node:stream').Duplex} socket @param {Buffer} head
   */
  upgrade(req, socket, head) {
    socket.on('error', () => {});
    const headers = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() !== 'host') headers.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
    headers.push('Host', this.upstream.host);
    const up = (this.https ? https : http).request({
      hostname: this.upstream.hostname.replace(/^\[|\]$/g, ''),
      port: this.upstream.port || (this.https ? 443 : 80),
      method: req.method,
      path: this.prefix + (req.url ?? '/'),
      headers,
      setHost: false,
    });
    const refuse = (status, text) =>
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    const timer = setTimeout(() => {
      up.destroy();
      refuse(
        '504 Gateway Timeout',
        JSON.stringify({
          error: { message: `kimi-tap: the upstream ${this.upstream.origin} sent no answer`, type: 'kimi_tap_error', code: 'upstream_timeout' },
        }),
      );
    }, this.headersTimeoutMs);
    up.on('error', (e) => {
      clearTimeout(timer);
      const code = /** @type {NodeJS.ErrnoException} */ (e).code ?? 'error';
      if (socket.writable)
        refuse(
          '502 Bad Gateway',
          JSON.stringify({
            error: {
              message: `kimi-tap: could not reach the upstream ${this.upstream.origin} (${code})`,
              type: 'kimi_tap_error',
              code: 'upstream_unreachable',
            },
          }),
        );
    });
    up.on('response', (res) => {
      // Refused: the upstream's answer goes back as it came.
      clearTimeout(timer);
      let text = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`;
      for (let i = 0; i < res.rawHeaders.length; i += 2) text += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
      socket.write(`${text}\r\n`);
      res.pipe(socket);
    });
    up.on('upgrade', (res, upSocket, upHead) => {
      clearTimeout(timer);
      let text = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`;
      for (let i = 0; i < res.rawHeaders.length; i += 2) text += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
      socket.write(`${text}\r\n`);
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.on('error', () => socket.destroy());
      socket.on('error', () => upSocket.destroy());
      socket.on('close', () => upSocket.destroy());
      upSocket.on('close', () => socket.destroy());
      upSocket.pipe(socket);
      socket.pipe(upSocket);
    });
    up.end();
  }

  close() {
    this.agent.destroy();
  }
}
