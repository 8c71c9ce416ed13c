// A fake OpenAI-compatible provider that answers like OpenAI's API by default:
// `POST /v1/chat/completions` (also without `/v1`) streams `data: {chunk}\n\n` events ending with
// `data: [DONE]`, with a usage chunk only when the client sent `stream_options.include_usage`;
// a non-stream answer always carries `usage`; a prompt over the model's window is refused with
// OpenAI's 400 `context_length_exceeded` body; a body that is not JSON gets OpenAI's 400.
// `GET /v1/models` lists the models. Switches (constructor options, or per request with the header
// `x-fake-provider: <switch>[,<switch>…]`) make it misbehave: `no-usage`, `cut` (end the connection
// after half the chunks), `stall` (stop sending after the first chunk, connection kept open),
// `5xx` (500 server_error), `slow-first` (first token after `slowFirstMs`), `gzip` (compress the answer).
import http from 'node:http';
import zlib from 'node:zlib';
import { randomUUID } from 'node:crypto';

export const FAKE_WINDOWS = { 'gpt-4o': 128_000, 'gpt-4o-mini': 128_000, 'kimi-k2.6': 262_144 };
const SWITCHES = new Set(['no-usage', 'cut', 'stall', '5xx', 'slow-first', 'gzip']);
const WORDS = 'The tap passes every byte through untouched and counts the tokens that go by so the dashboard can show them live .'.split(' ');

/** A rough prompt size: what the fake bills as prompt_tokens (about 4 characters a token, as a stand-in for a tokenizer). */
const promptTokens = (body) => Math.max(1, Math.round(JSON.stringify(body.messages ?? '').length / 4));

export class FakeProvider {
  /**
   * @param {{ host?: string, port?: number, switches?: string[], chunks?: number, chunkDelayMs?: number, slowFirstMs?: number,
   *   windows?: Record<string, number>, fixed?: boolean }} [o] `fixed`: same id and `created` in every answer (byte-comparable answers)
   */
  constructor(o = {}) {
    this.host = o.host ?? '127.0.0.1';
    this.port = o.port ?? 0;
    this.switches = new Set(o.switches ?? []);
    for (const s of this.switches) if (!SWITCHES.has(s)) throw new TypeError(`unknown switch ${s}; known: ${[...SWITCHES].join(', ')}`);
    this.chunks = o.chunks ?? 8;
    this.chunkDelayMs = o.chunkDelayMs ?? 0;
    this.slowFirstMs = o.slowFirstMs ?? 300;
    this.windows = { ...FAKE_WINDOWS, ...(o.windows ?? {}) };
    this.fixed = o.fixed ?? false;
    this.server = null;
    /** The last requests as received (method, url, headers, body bytes), at most 50, for tests. */
    this.received = [];
    this.requests = 0;
    /** Streams whose client (the tap) went away before the last byte. */
    this.cancelled = 0;
    /** @type {Set<import('node:net').Socket>} */
    this.sockets = new Set();
  }

  get url() {
    return `http://${this.host}:${this.port}`;
  }

  async start() {
    this.server = http.createServer((req, res) => this._handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise((resolve) => this.server.listen(this.port, this.host, resolve));
    this.port = this.server.address().port;
    return this;
  }

  async stop() {
    if (!this.server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
    this.server = null;
  }

  _handle(req, res) {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= 64 * 1024 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      this.requests += 1;
      this.received.push({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body: raw });
      if (this.received.length > 50) this.received.shift();
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && /^(\/v1)?\/models$/.test(path)) {
        return json(res, 200, {
          object: 'list',
          data: Object.keys(this.windows).map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'fake' })),
        });
      }
      if (req.method === 'POST' && /^(\/v1)?\/chat\/completions$/.test(path)) return this._chat(req, res, raw);
      if (req.method === 'POST' && path === '/echo') {
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream', 'x-echo-length': String(raw.length) });
        return res.end(raw);
      }
      json(res, 404, { error: { message: `Invalid URL (${req.method} ${path})`, type: 'invalid_request_error', param: null, code: null } });
    });
  }

  _chat(req, res, raw) {
    const asked = String(req.headers['x-fake-provider'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const sw = new Set([...this.switches, ...asked]);
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return json(res, 400, {
        error: {
          message:
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      });
    }
    if (sw.has('5xx'))
      return json(res, 500, {
        error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null },
      });
    const model = typeof body.model === 'string' ? body.model : 'gpt-4o-mini';
    const window = this.windows[model] ?? 128_000;
    const prompt = promptTokens(body);
    if (prompt > window) {
      return json(res, 400, {
        error: {
          message: `This model's maximum context length is ${window} tokens. However, your messages resulted in ${prompt} tokens. Please reduce the length of the messages.`,
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      });
    }
    const n = this.chunks;
    const words = Array.from({ length: n }, (_, i) => WORDS[i % WORDS.length] + ' ');
    const completion = n;
    const cached = prompt >= 1024 ? Math.floor(prompt / 2 / 128) * 128 : 0;
    const usage = {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    };
    const id = this.fixed ? 'chatcmpl-fixed0000000000000000' : `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    const created = this.fixed ? 1700000000 : Math.floor(Date.now() / 1000);
    const gzip = sw.has('gzip');
    if (!body.stream) {
      const answer = {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: words.join(''), refusal: null }, logprobs: null, finish_reason: 'stop' }],
        ...(sw.has('no-usage') ? {} : { usage }),
        system_fingerprint: 'fp_fake',
      };
      const send = () => json(res, 200, answer, gzip, this.fixed);
      return sw.has('slow-first') ? setTimeout(send, this.slowFirstMs) : send();
    }
    const includeUsage = body.stream_options?.include_usage === true && !sw.has('no-usage');
    const head = { id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake' };
    const events = [{ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }] }];
    for (const w of words) events.push({ ...head, choices: [{ index: 0, delta: { content: w }, logprobs: null, finish_reason: null }] });
    events.push({ ...head, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] });
    if (includeUsage) events.push({ ...head, choices: [], usage });
    const lines = events.map((e) => `data: ${JSON.stringify(e)}\n\n`);
    lines.push('data: [DONE]\n\n');
    const headers = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-request-id': `req_${id.slice(9)}`,
      'set-cookie': ['a=1', 'b=2'],
    };
    if (gzip) headers['content-encoding'] = 'gzip';
    res.writeHead(200, headers);
    res.on('close', () => {
      if (!res.writableFinished && !sw.has('cut')) this.cancelled += 1;
    });
    const out = gzip ? zlib.createGzip({ flush: zlib.constants.Z_SYNC_FLUSH }) : null;
    if (out) out.pipe(res);
    const write = (s) => (out ? out.write(s) : res.write(s));
    const cutAt = sw.has('cut') ? Math.max(1, Math.floor(lines.length / 2)) : Infinity;
    let i = 0;
    const step = () => {
      if (res.destroyed) return;
      if (i >= cutAt) {
        // A provider dying mid-stream: the connection goes, no terminating chunk.
        res.socket?.destroy();
        return;
      }
      if (i >= lines.length) {
        if (out) out.end();
        else res.end();
        return;
      }
      write(lines[i++]);
      if (sw.has('stall') && i === 1) return; // silent from here on, connection open
      if (this.chunkDelayMs > 0) setTimeout(step, this.chunkDelayMs);
      else setImmediate(step);
    };
    if (sw.has('slow-first')) setTimeout(step, this.slowFirstMs);
    else step();
  }
}

function json(res, status, value, gzip = false, fixed = false) {
  let body = Buffer.from(JSON.stringify(value));
  const headers = { 'content-type': 'application/json', 'x-request-id': fixed ? 'req_fixed' : `req_${randomUUID().slice(0, 8)}` };
  if (gzip) {
    body = zlib.gzipSync(body);
    headers['content-encoding'] = 'gzip';
  }
  headers['content-length'] = String(body.length);
  res.writeHead(status, headers);
  res.end(body);
}

// `node simulator/provider.mjs [--port 8012] [--switch no-usage] …`
if (import.meta.url === `file://${process.argv[1]}`) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8012' }, switch: { type: 'string', multiple: true, default: [] } } });
  const p = await new FakeProvider({ port: Number(values.port), switches: values.switch, chunkDelayMs: 30 }).start();
  console.log(`fake OpenAI-compatible provider on ${p.url}/v1`);
}
