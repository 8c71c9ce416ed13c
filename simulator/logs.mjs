// The log watcher's `log_metric` frames (PROTOCOL.md §4.7, §10, §15), with the three context windows a
// real setup shows at once: the proxied session's model window, the IDE's (Continue's CompileChat
// `contextLength`) and the Kimi CLI's (its global log's `max_context_size`).
//
// The real server labels every log frame with the last context size ANY log reported (its
// `dynamic_max_context`), falling back to the active session's window. The simulator keeps that rule
// and orders its log lines the way the two clients write them: Continue's CompileChat block before its
// token line, the Kimi CLI's model announcement before its usage when another source spoke last. So
// Continue frames carry the IDE's window and Kimi CLI frames the CLI's; error frames carry whichever
// was last, as on the real server.

import { pyFloat } from '../tap/lib/protocol/format.mjs';

/** Continue's `contextLength` in the run of §15. */
export const IDE_CONTEXT = 131072;
/** The Kimi CLI's `max_context_size` for kimi-for-coding. */
export const CLI_CONTEXT = 262144;

// [weight, source, family, label, kind]
const SOURCES = /** @type {Array<[number, string, string, string, string]>} */ ([
  [35, 'continue_logs', 'continue_logs', 'Logs Continue', 'continue'],
  [25, 'kimi_session_usage', 'kimi_session', 'Session Kimi', 'usage'],
  [20, 'continue_compile_chat', 'continue_compile', 'CompileChat Continue', 'compile'],
  [10, 'kimi_global', 'kimi_global', 'Log global Kimi', 'announce'],
  [3, 'kimi_global_context_limit_error', 'error', 'Limite de contexte Kimi', 'error'],
  [2, 'kimi_global_transport_error', 'error', 'Erreur transport Kimi', 'error'],
  [1.5, 'kimi_global_request_error', 'error', 'Erreur requête Kimi', 'error'],
  [1, 'kimi_global_auth_error', 'error', 'Erreur auth Kimi', 'error'],
  [1, 'kimi_global_runtime_error', 'error', 'Erreur runtime Kimi', 'error'],
  [1.5, 'continue_api_error', 'error', 'Erreur Continue', 'limit'],
]).map(([w, source, family, label, kind]) => ({
  w,
  source,
  kind,
  head: `{"type":"log_metric","source":"${source}","source_family":"${family}","source_label":${JSON.stringify(label)},"metrics":{`,
}));
const BY_SOURCE = new Map(SOURCES.map((s) => [s.source, s]));
const TOTAL_WEIGHT = SOURCES.reduce((t, s) => t + s.w, 0);

export const LOG_SOURCES = SOURCES.map((s) => s.source);

/**
 * @typedef {{ prompt?: number, completion?: number, tools?: number, system?: number, total: number,
 *   contextLength?: number }} LogLine
 */

export class LogWatcher {
  /**
   * @param {{ rand: () => number, clock: import('../tap/lib/protocol/format.mjs').Clock, ideContext?: number, cliContext?: number }} options
   */
  constructor({ rand, clock, ideContext = IDE_CONTEXT, cliContext = CLI_CONTEXT }) {
    this.rand = rand;
    this.clock = clock;
    this.ideContext = ideContext;
    this.cliContext = cliContext;
    /** @type {number|null} the real watcher's dynamic_max_context: the last context size any log gave */
    this.lastContext = null;
    // The two clients' own conversations, unrelated to the proxied session's.
    this.ideTokens = Math.floor(ideContext * 0.12);
    this.cliTokens = Math.floor(cliContext * 0.1);
  }

  int(min, max) {
    return min + Math.floor(this.rand() * (max - min + 1));
  }

  /** Kept in server memory only: a restart forgets it. */
  restarted() {
    this.lastContext = null;
  }

  /**
   * The frames for one randomly chosen log event of the active session (one or two frames).
   * @param {{ id: number, maxContext: number }} session the active session
   * @returns {string[]}
   */
  next(session) {
    let x = this.rand() * TOTAL_WEIGHT;
    let src = SOURCES[SOURCES.length - 1];
    for (const s of SOURCES) {
      x -= s.w;
      if (x < 0) {
        src = s;
        break;
      }
    }
    switch (src.kind) {
      case 'continue': {
        const out = this.lastContext === this.ideContext ? [] : [this._compile(session)];
        this.ideTokens += this.int(400, 3000);
        if (this.ideTokens > this.ideContext * 0.9) this.ideTokens = Math.floor(this.ideContext * (0.15 + this.rand() * 0.1));
        const completion = this.int(100, 1800);
        const prompt = this.ideTokens;
        out.push(this.frame(session, src, { prompt, completion, total: prompt + completion }));
        return out;
      }
      case 'usage': {
        const out =
          this.lastContext === this.cliContext ? [] : [this.frame(session, BY_SOURCE.get('kimi_global'), { total: 0, contextLength: this.cliContext })];
        this.cliTokens += this.int(300, 4000);
        if (this.cliTokens > this.cliContext * 0.92) this.cliTokens = Math.floor(this.cliContext * (0.2 + this.rand() * 0.1));
        out.push(this.frame(session, src, { total: this.cliTokens }));
        return out;
      }
      case 'compile':
        return [this._compile(session)];
      case 'announce':
        return [this.frame(session, src, { total: 0, contextLength: this.cliContext })];
      case 'limit': {
        const window = this.lastContext ?? session.maxContext;
        return [this.frame(session, src, { total: this.rand() < 0.5 ? window : this.int(Math.floor(window * 0.8), Math.floor(window * 1.2)) })];
      }
      default:
        return [this.frame(session, src, { total: 0 })];
    }
  }

  /** Continue's CompileChat block: tools + system message, capped at its context length. */
  _compile(session) {
    const tools = this.int(8000, 14000);
    const system = this.int(2500, 4000);
    return this.frame(session, BY_SOURCE.get('continue_compile_chat'), {
      tools,
      system,
      total: Math.min(tools + system, this.ideContext),
      contextLength: this.ideContext,
    });
  }

  /**
   * One log_metric frame, built the way main.py's broadcast_log_metrics does.
   * @param {{ id: number, maxContext: number }} session
   * @param {{ source: string, head?: string }|string} source a known source entry or any source name
   * @param {LogLine} line
   */
  frame(session, source, { prompt = 0, completion = 0, tools = 0, system = 0, total, contextLength = 0 }) {
    const src = typeof source === 'string' ? (BY_SOURCE.get(source) ?? { source, head: customHead(source) }) : source;
    if (contextLength > 0) this.lastContext = contextLength;
    const max = this.lastContext ?? session.maxContext;
    const pct = max > 0 ? (total / max) * 100 : 0;
    return `${src.head}"prompt_tokens":${prompt},"completion_tokens":${completion},"tools_tokens":${tools},"system_message_tokens":${system},"total_tokens":${total},"context_length":${contextLength || max},"max_context":${max},"percentage":${pyFloat(pct)}},"session_id":${session.id},"timestamp":"${this.clock.iso()}"}`;
  }
}

/** Sources outside the table: family and label are the source itself (§10, last row). */
function customHead(source) {
  const s = JSON.stringify(source);
  return `{"type":"log_metric","source":${s},"source_family":${s},"source_label":${s},"metrics":{`;
}
