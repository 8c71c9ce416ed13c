// Watches a copy of one `…/chat/completions` exchange without touching it: the request body (model,
// stream flag, a prompt estimate) and the response (usage, first event, error body), SSE parsed
// incrementally. Everything is bounded: past a cap the observer stops copying and says so
// (`gaveUp`), while the bytes themselves keep flowing to the client untouched.
import zlib from 'node:zlib';
import { countText, estimatePrompt } from './tokens.mjs';

/** Request bodies up to this size are parsed for the model and the estimate. */
export const REQUEST_CAP = 16 * 1024 * 1024;
/** Decoded response bytes looked at (a non-stream JSON answer, or the SSE text). */
export const RESPONSE_CAP = 8 * 1024 * 1024;
/** Completion text kept for the estimate when no usage comes (characters). */
const COMPLETION_TEXT_CAP = 400_000;
/** SSE event text kept for the completion estimate (characters). */
const PENDING_CAP = 2 * 1024 * 1024;
/** One SSE line longer than this is skipped (not parsed). */
const LINE_CAP = 1024 * 1024;
/** Error bodies are kept to this many characters, as Kimi Proxy did. */
export const ERROR_CAP = 500;

/** Request side: a bounded copy of the body. */
export class RequestCopy {
  constructor() {
    /** @type {Buffer[]} */
    this.chunks = [];
    this.size = 0;
    this.tooBig = false;
  }

  /** @param {Buffer} chunk */
  push(chunk) {
    this.size += chunk.length;
    if (this.tooBig) return;
    if (this.size > REQUEST_CAP) {
      this.tooBig = true;
      this.chunks = [];
      return;
    }
    this.chunks.push(chunk);
  }

  /**
   * What the body says; `model` "unknown" when it names none or is not JSON.
   * @returns {{ model: string, stream: boolean, json: boolean, body: unknown, tooBig?: boolean }}
   */
  read() {
    if (this.tooBig) return { model: 'unknown', stream: false, json: false, body: null, tooBig: true };
    let body;
    try {
      body = JSON.parse(Buffer.concat(this.chunks).toString('utf8'));
    } catch {
      return { model: 'unknown', stream: false, json: false, body: null };
    } finally {
      this.chunks = [];
    }
    const o = body && typeof body === 'object' && !Array.isArray(body) ? /** @type {Record<string, any>} */ (body) : {};
    const model = typeof o.model === 'string' && o.model ? o.model.slice(0, 200) : 'unknown';
    return { model, stream: o.stream === true, json: true, body };
  }
}

/** The `usage` fields the tap keeps, or null when the value is not a usage object. */
export function readUsage(u) {
  if (!u || typeof u !== 'object') return null;
  const int = (v) => (Number.isSafeInteger(v) && v >= 0 ? v : null);
  const prompt = int(u.prompt_tokens);
  const completion = int(u.completion_tokens);
  if (prompt === null && completion === null) return null;
  const total = int(u.total_tokens) ?? (prompt ?? 0) + (completion ?? 0);
  const cached = int(u.prompt_tokens_details?.cached_tokens) ?? int(u.cached_tokens);
  return { prompt: prompt ?? 0, completion: completion ?? 0, total, cached };
}

/** The error message of an OpenAI-style error body (`{error:{message}}`, `{error:"…"}`, `{message}`, `{detail}`), else the text. */
export function errorMessage(text) {
  try {
    const j = JSON.parse(text);
    const m = j?.error?.message ?? (typeof j?.error === 'string' ? j.error : undefined) ?? j?.message ?? j?.detail;
    if (typeof m === 'string') return m.slice(0, ERROR_CAP);
  } catch {
    /* not JSON: the text itself */
  }
  return text.slice(0, ERROR_CAP);
}

const CONTEXT_LIMIT = /message exceeds context limit|context[ _]length|context_length_exceeded|maximum context|too many tokens|prompt is too long/i;
/** Kimi Proxy's test (status ≥ 400 but not 401/429, body names the context length), plus OpenAI's code. */
export function isContextLimit(status, text) {
  return status >= 400 && status !== 401 && status !== 429 && CONTEXT_LIMIT.test(text);
}

/**
 * Response side. Feed it the raw chunks as they go to the client; it decodes a copy (gzip, deflate,
 * br) and reads usage from a JSON answer or from SSE events as they arrive.
 */
export class ResponseWatch {
  /**
   * @param {{ status: number, contentType: string, contentEncoding: string, onFirstEvent: () => void }} o
   */
  constructor({ status, contentType, contentEncoding, onFirstEvent }) {
    this.status = status;
    this.sse = status < 400 && /text\/event-stream/i.test(contentType);
    this.onFirstEvent = onFirstEvent;
    this.firstEventSeen = false;
    /** @type {ReturnType<typeof readUsage>} */
    this.usage = null;
    /** The body looked at (non-SSE answers, and error answers): kept only until `finish`. */
    this.text = '';
    this.seen = 0;
    this.gaveUp = null;
    this.lineBuf = '';
    this.skippingLine = false;
    this.completionText = '';
    /** @type {string[]} events not parsed yet */
    this.pending = [];
    this.pendingChars = 0;
    /** An `error` event inside a stream (some providers send one instead of cutting). */
    this.streamError = null;
    this.done = false;
    this.decoder = new TextDecoder('utf-8');
    this.inflate = null;
    const enc = contentEncoding.trim().toLowerCase();
    if (enc && enc !== 'identity') {
      this.inflate =
        enc === 'gzip' || enc === 'x-gzip'
          ? zlib.createGunzip()
          : enc === 'deflate'
            ? zlib.createInflate()
            : enc === 'br'
              ? zlib.createBrotliDecompress()
              : null;
      if (!this.inflate) this.gaveUp = `content-encoding ${enc.slice(0, 40)} not decoded`;
      else {
        this.inflate.on('data', (d) => this._decoded(d));
        this.inflate.on('error', () => {
          this.gaveUp = 'compressed body did not decode';
        });
      }
    }
  }

  /** @param {Buffer} chunk raw bytes as sent to the client */
  push(chunk) {
    if (this.gaveUp) return;
    if (this.inflate) this.inflate.write(chunk);
    else this._decoded(chunk);
  }

  /** Resolves once the decoder has flushed what it holds. */
  async end() {
    if (this.inflate && !this.gaveUp) {
      await new Promise((resolve) => {
        this.inflate.once('end', resolve);
        this.inflate.once('error', resolve);
        this.inflate.end();
        this.inflate.resume();
      });
    }
    if (!this.gaveUp) this._text(this.decoder.decode());
    if (this.sse && this.lineBuf && !this.gaveUp) this._line(this.lineBuf);
    this.lineBuf = '';
    if (this.usage) this.pending = [];
    else this._readPending();
    if (!this.sse && !this.gaveUp && this.status < 400) {
      try {
        const j = JSON.parse(this.text);
        this.usage = readUsage(j?.usage);
        const msg = j?.choices?.[0]?.message;
        if (!this.usage && msg)
          this.completionText = String(msg.content ?? '').slice(0, COMPLETION_TEXT_CAP) + (msg.tool_calls ? JSON.stringify(msg.tool_calls) : '');
      } catch {
        /* not JSON: no usage */
      }
    }
  }

  /** Estimated completion tokens from the text seen (when no usage came). */
  completionEstimate() {
    return countText(this.completionText);
  }

  _decoded(buf) {
    if (this.gaveUp) return;
    this.seen += buf.length;
    if (this.seen > RESPONSE_CAP) {
      this.gaveUp = `response over ${RESPONSE_CAP / 1024 / 1024} MiB: not observed past that`;
      this.text = '';
      this.completionText = '';
      this.pending = [];
      return;
    }
    this._text(this.decoder.decode(buf, { stream: true }));
  }

  _text(s) {
    if (!s) return;
    if (!this.sse) {
      if (!this.firstEventSeen) {
        this.firstEventSeen = true;
        this.onFirstEvent();
      }
      this.text += s;
      return;
    }
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      if (nl === -1) break;
      const piece = s.slice(start, nl);
      start = nl + 1;
      if (this.skippingLine) {
        this.skippingLine = false;
        this.lineBuf = '';
        continue;
      }
      const line = this.lineBuf ? this.lineBuf + piece : piece;
      this.lineBuf = '';
      this._line(line);
    }
    if (start < s.length && !this.skippingLine) {
      this.lineBuf += s.slice(start);
      if (this.lineBuf.length > LINE_CAP) {
        this.lineBuf = '';
        this.skippingLine = true;
      }
    }
  }

  _line(raw) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line.startsWith('data:')) return;
    const data = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    if (!this.firstEventSeen) {
      this.firstEventSeen = true;
      this.onFirstEvent();
    }
    if (data === '[DONE]') {
      this.done = true;
      return;
    }
    // Only an event that can carry usage or an error is parsed as it passes; the others are kept as
    // text (bounded) and read after the answer, and only if no usage came (for the estimate).
    if (data.includes('"usage"') || data.includes('"error"')) this._event(data, true);
    else if (this.pendingChars < PENDING_CAP) {
      this.pending.push(data);
      this.pendingChars += data.length;
    }
  }

  /** Completion text from the kept events (when no usage came). */
  _readPending() {
    for (const data of this.pending) this._event(data, false);
    this.pending = [];
    this.pendingChars = 0;
  }

  _event(data, now) {
    let ev;
    try {
      ev = JSON.parse(data);
    } catch {
      return;
    }
    if (!ev || typeof ev !== 'object') return;
    if (now && ev.usage) {
      const u = readUsage(ev.usage);
      if (u) this.usage = u;
    }
    if (now && ev.error) this.streamError = errorMessage(JSON.stringify(ev));
    if (this.completionText.length < COMPLETION_TEXT_CAP && Array.isArray(ev.choices)) {
      for (const c of ev.choices) {
        const d = c?.delta;
        if (!d) continue;
        if (typeof d.content === 'string') this.completionText += d.content;
        if (typeof d.reasoning_content === 'string') this.completionText += d.reasoning_content;
        if (d.tool_calls) this.completionText += JSON.stringify(d.tool_calls);
      }
    }
  }
}

export { estimatePrompt };
