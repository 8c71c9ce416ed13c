import type { KimiMessage } from '../../protocol/messages.js';
import { capText } from '../../protocol/text.js';
import { countOf, percentage as share, tokenCount } from '../../protocol/ranges.js';

/**
 * What in the stream needs a person's attention, as feed items: message → alert mapping and the
 * bounded, collapsing list. Pure (no DOM), so it can be tested on its own.
 */

/** Severity of an item, lowest first. `error` is a failed request; `critical` a context that is full. */
export type AlertLevel = 'info' | 'caution' | 'warning' | 'error' | 'critical';

/** What the item is about, independent of the message type that carried it. */
export type AlertKind = 'threshold' | 'streaming-error' | 'context-limit' | 'compaction' | 'compression' | 'context-warning' | 'budget';

/** An alert as a message maps to it, before it joins the list. */
export interface AlertCandidate {
  kind: AlertKind;
  level: AlertLevel;
  /** Main line: server text or a sentence built from the numbers. Plain text. */
  text: string;
  /** Secondary line (numbers, provider, error type); may be empty. Plain text. */
  detail: string;
}

/** One row of the feed. */
export interface AlertItem extends AlertCandidate {
  /** Unique within the page, increasing. */
  readonly id: number;
  /** The server `type` of the latest message folded into this item. */
  type: string;
  /** How many alerts this row stands for (repeats are collapsed). */
  count: number;
  /** Epoch ms when the first and the latest of them arrived. */
  firstAt: number;
  lastAt: number;
  /** The latest message, as the server sent it. */
  message: KimiMessage;
}

/** Words for each level. A Map: server words are looked up in it, and a plain object would also answer `constructor`. */
const LEVEL_WORDS: ReadonlyMap<string, string> = new Map<AlertLevel, string>([
  ['info', 'Info'],
  ['caution', 'Caution'],
  ['warning', 'Warning'],
  ['error', 'Error'],
  ['critical', 'Critical'],
]);

/** "Warning" for `warning`. */
export function levelText(level: AlertLevel): string {
  return LEVEL_WORDS.get(level) ?? 'Warning';
}

/** The message types that can carry an alert (the feed listens to `kimi:<type>` for each). */
export const ALERT_MESSAGE_TYPES = [
  'metric_updated',
  'metric',
  'streaming_error',
  'provider_context_limit_error',
  'compaction_event',
  'compression_event',
  'sanitizer_event',
  'context_performance_alert',
  'context_limit_violation',
] as const;

export type AlertMessageType = (typeof ALERT_MESSAGE_TYPES)[number];

/** Types whose alert comes with a usage reading (`kimi:metric`): the feed takes them from the reading. */
export const READING_ALERT_TYPES: ReadonlySet<string> = new Set(['metric_updated', 'metric']);

export const DEFAULT_MAX_ITEMS = 50;
/** Repeats of an alert this close (ms) to its previous occurrence join it even when others came between. */
export const DEFAULT_COLLAPSE_WINDOW = 60_000;
/** Provider error bodies can be whole HTML pages when not streaming; the feed shows a start. */
const MAX_EXCERPT = 300;
/** Longer than any level word: such a value is not one, and is not lower-cased whole. */
const MAX_LEVEL_WORD = 16;

type Loose = Record<string, unknown>;
const obj = (v: unknown): Loose | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Loose) : null);
/** Server text, capped for rendering (a 10 MB field costs a slice). */
const str = (v: unknown): string => capText(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const integer = new Intl.NumberFormat();
// Figures outside their range (ranges.ts) are left out of the text, as if the server had not sent them.
const tokens = (v: unknown): string | null => {
  const n = tokenCount(v);
  return n === null ? null : integer.format(n);
};
const percent = (v: unknown, digits = 1): string | null => {
  const n = share(v);
  return n === null ? null : `${n.toFixed(digits)} %`;
};
/** "12 → 4 messages", or null when either count is missing or out of range. */
const messages = (before: unknown, after: unknown): string | null => {
  const b = countOf(before);
  const a = countOf(after);
  return b === null || a === null ? null : `${integer.format(b)} → ${integer.format(a)} messages`;
};
const joined = (...parts: (string | null | false | undefined)[]): string => parts.filter(Boolean).join(' · ');

const excerpt = (v: unknown): string => capText(v, MAX_EXCERPT);

/** A level the server named; unknown words count as `warning` so they are still seen. */
export function levelFrom(value: unknown, fallback: AlertLevel = 'warning'): AlertLevel {
  if (typeof value !== 'string' || value.length > MAX_LEVEL_WORD) return fallback;
  const word = value.trim().toLowerCase();
  return LEVEL_WORDS.has(word) ? (word as AlertLevel) : fallback;
}

/**
 * The `ThresholdAlert` of `metric_updated` / legacy `metric` (PROTOCOL.md §3.4). `null` means
 * "below 80 % now": it yields nothing and, on purpose, does not clear earlier alerts.
 */
function thresholdAlert(alert: unknown, percentage: unknown, used: unknown): AlertCandidate | null {
  const a = obj(alert);
  if (!a) return null;
  const level = levelFrom(a.level, 'caution');
  // The server's text names the threshold, not the value; the detail line gives the value.
  const pct = share(percentage);
  // 0 tokens at a share above 0 % contradict each other: the share (the alert's basis) is kept.
  const count = tokenCount(used) ? tokens(used) : null;
  const detail = pct !== null && pct > 0 ? joined(`${pct.toFixed(1)} % of the context window`, count && `${count} tokens`) : '';
  return { kind: 'threshold', level, text: str(a.message) || `Context above the ${levelText(level).toLowerCase()} threshold`, detail };
}

/** The alert a message carries, or null when it carries none. */
export function alertFromMessage(message: KimiMessage): AlertCandidate | null {
  const m = message as Loose;
  switch (message.type) {
    case 'metric_updated':
      return thresholdAlert(m.alert, m.cumulative_percentage, m.cumulative_tokens);
    case 'metric': {
      const metric = obj(m.metric);
      // Legacy servers sent 0 for these by a bug; thresholdAlert leaves a zero out of the detail.
      return thresholdAlert(m.alert, metric?.percentage, metric?.cumulative_tokens);
    }
    case 'streaming_error':
      return {
        kind: 'streaming-error',
        level: 'error',
        text: str(m.error_message) || 'The stream from the provider failed',
        detail: joined(str(m.error_type), countOf(m.metric_id) !== null && `request #${countOf(m.metric_id)}`),
      };
    case 'provider_context_limit_error': {
      const est = tokens(m.estimated_tokens);
      const max = tokens(m.max_context);
      return {
        kind: 'context-limit',
        level: 'critical',
        text: str(m.message) || 'The provider rejected the request: context limit exceeded',
        detail: joined(str(m.provider), str(m.model), est && max ? `${est} of ${max} tokens estimated` : null, excerpt(m.error)),
      };
    }
    case 'compaction_event': {
      const c = obj(m.compaction);
      if (!c) return null;
      const ratio = percent(c.compaction_ratio);
      return {
        kind: 'compaction',
        level: 'info',
        text: `Compaction saved ${tokens(c.tokens_saved) ?? '?'} tokens${ratio ? ` (${ratio})` : ''}`,
        detail: joined(
          tokens(c.original_tokens) && tokens(c.compacted_tokens) && `${tokens(c.original_tokens)} → ${tokens(c.compacted_tokens)} tokens`,
          messages(c.messages_before, c.messages_after),
          str(c.trigger_reason),
        ),
      };
    }
    case 'compression_event': {
      const c = obj(m.compression);
      if (!c) return null;
      // Sent with compressed:false and zeroed counters when the heuristic declined (PROTOCOL.md §4.13).
      if (c.compressed !== true) {
        return {
          kind: 'compression',
          level: 'info',
          text: 'Compression declined: nothing worth compressing',
          detail: tokens(c.original_tokens) ? `${tokens(c.original_tokens)} tokens left as they were` : '',
        };
      }
      return {
        kind: 'compression',
        level: 'info',
        text: `Compression saved ${tokens(c.tokens_saved) ?? '?'} tokens${percent(c.compression_ratio) ? ` (${percent(c.compression_ratio)})` : ''}`,
        detail: joined(
          tokens(c.original_tokens) && tokens(c.compressed_tokens) && `${tokens(c.original_tokens)} → ${tokens(c.compressed_tokens)} tokens`,
          messages(c.messages_before, c.messages_after),
        ),
      };
    }
    case 'sanitizer_event': {
      const e = obj(m.event);
      // `event.type` is the inner kind; `model_fallback` is a notice, not a warning about the context.
      if (!e || e.type !== 'context_warning') return null;
      const used = tokens(e.prompt_tokens);
      const max = tokens(e.max_context);
      return {
        kind: 'context-warning',
        level: levelFrom(e.level, 'critical'),
        text: str(e.message) || 'The context is close to its limit',
        detail: joined(str(e.current_model), used && max && `${used} of ${max} tokens`),
      };
    }
    case 'context_performance_alert': {
      const a = obj(m.alert);
      const recommendations = Array.isArray(a?.recommendations) ? a.recommendations.slice(0, 3).map(str).filter(Boolean) : [];
      return {
        kind: 'context-warning',
        level: levelFrom(a?.level),
        text: str(a?.message) || str(m.message) || 'Context performance alert',
        detail: joined(...recommendations.slice(0, 3)),
      };
    }
    case 'context_limit_violation': {
      const v = obj(m.violation);
      const excess = num(v?.excess_tokens);
      const used = tokens(v?.estimated_tokens);
      const max = tokens(v?.max_context);
      return {
        kind: 'context-warning',
        // Past the effective limit (max − 5 %) but still under the window: a warning; over it: critical.
        level: excess !== null && excess > 0 ? 'critical' : 'warning',
        text: str(m.message) || 'Request over the context limit',
        detail: joined(used && max && `${used} of ${max} tokens`, tokens(v?.effective_limit) && `limit ${tokens(v?.effective_limit)}`),
      };
    }
    default:
      return null;
  }
}

/** A `kimi:budget` crossing (`<kimi-cost-meter>`): below 80 % a caution, then a warning, from 95 % critical. */
export function alertFromBudget(detail: { level: number; share: number; spent: number; budget: number }): AlertCandidate {
  const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;
  return {
    kind: 'budget',
    level: detail.level >= 95 ? 'critical' : detail.level >= 80 ? 'warning' : 'caution',
    text: `${detail.level} % of the budget spent`,
    detail: `${usd(detail.spent)} of ${usd(detail.budget)} (${detail.share.toFixed(1)} %)`,
  };
}

let nextId = 1;

/**
 * The feed's items, newest first, at most `maxItems`. A repeat (same kind, level and text) is folded
 * into the newest item when it is the newest, or into an earlier one seen within `collapseWindow` ms;
 * the folded item moves to the top with the latest time, count and detail.
 */
export class AlertList {
  private list: AlertItem[] = [];
  private max: number;

  constructor(
    maxItems = DEFAULT_MAX_ITEMS,
    /** ms; 0 folds only consecutive repeats. */
    public collapseWindow = DEFAULT_COLLAPSE_WINDOW,
  ) {
    this.max = capacityOf(maxItems);
  }

  /** Newest first. */
  get items(): readonly AlertItem[] {
    return this.list;
  }

  get maxItems(): number {
    return this.max;
  }

  set maxItems(value: number) {
    this.max = capacityOf(value);
    if (this.list.length > this.max) this.list.length = this.max;
  }

  /** Adds an alert (or folds it into an earlier one) and returns the item that shows it. */
  add(candidate: AlertCandidate, message: KimiMessage, now = Date.now()): AlertItem {
    const index = this.findRepeat(candidate, now);
    if (index >= 0) {
      const item = this.list[index]!;
      this.list.splice(index, 1);
      item.count++;
      item.lastAt = now;
      item.detail = candidate.detail;
      item.type = message.type;
      item.message = message;
      this.list.unshift(item);
      return item;
    }
    const item: AlertItem = { ...candidate, id: nextId++, type: message.type, count: 1, firstAt: now, lastAt: now, message };
    this.list.unshift(item);
    if (this.list.length > this.max) this.list.length = this.max;
    return item;
  }

  /** Removes an item; returns it, or null when it was not there. */
  remove(id: number): AlertItem | null {
    const index = this.list.findIndex((item) => item.id === id);
    if (index < 0) return null;
    return this.list.splice(index, 1)[0]!;
  }

  clear(): void {
    this.list = [];
  }

  private findRepeat(candidate: AlertCandidate, now: number): number {
    for (let i = 0; i < this.list.length; i++) {
      const item = this.list[i]!;
      // Newest first: past the window nothing older can match, except the newest item (a consecutive repeat).
      if (i > 0 && now - item.lastAt > this.collapseWindow) return -1;
      if (item.kind === candidate.kind && item.level === candidate.level && item.text === candidate.text) return i;
    }
    return -1;
  }
}

/** `max-items` as a usable bound: whole, at least 1; the default when not a number. */
export function capacityOf(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : DEFAULT_MAX_ITEMS;
}
