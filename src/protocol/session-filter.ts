import type { KimiMessage } from './messages.js';

/** A decimal number as text: what `"01"`, `"1.0"`, `"-0"`, `"1e21"`, `"+7"` have in common. */
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * The canonical form of a session id, the string that is compared. Only strings and finite numbers
 * are ids: a number becomes its shortest text (`1`, `1e+21`; `-0` is `0`); a string is trimmed, and a
 * decimal number written as text becomes the number it denotes (`" 01 "`, `"1.0"` → `"1"`), as if it
 * had come as a JSON number. Returns `null` for no id (`null`, `undefined`, an empty string) and
 * `false` for a value that is not an id (objects, arrays, booleans, `NaN`, `Infinity`).
 */
export function sessionIdOf(value: unknown): string | null | false {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : false;
  if (typeof value !== 'string') return value === null || value === undefined ? null : false;
  const text = value.trim();
  if (text === '') return null;
  const n = NUMERIC.test(text) ? Number(text) : NaN;
  return Number.isFinite(n) ? String(n) : text;
}

/**
 * Normalizes a session id from an attribute, a property or the wire to the string compared
 * (`sessionIdOf`); anything that is not an id gives `null`.
 */
export function normalizeSessionId(value: unknown): string | null {
  return sessionIdOf(value) || null;
}

/** The nested reference of the types that carry one, before any top-level `session_id`. */
function nestedRefOf(message: KimiMessage): string | readonly string[] | null | false {
  switch (message.type) {
    case 'init':
    case 'new_session':
    case 'auto_session_created': {
      const session = (message as { session?: unknown }).session;
      return session !== null && typeof session === 'object' ? sessionIdOf((session as { id?: unknown }).id) : null;
    }
    case 'sessions_bulk_deleted': {
      const ids = (message as { session_ids?: unknown }).session_ids;
      if (!Array.isArray(ids)) return null;
      const out: string[] = [];
      for (const id of ids) {
        const canonical = sessionIdOf(id);
        if (canonical === false) return false;
        if (canonical !== null) out.push(canonical);
      }
      return out;
    }
    default:
      return null;
  }
}

/**
 * The session a message refers to, canonical (`sessionIdOf`): its top-level `session_id`;
 * `session.id` for `init`, `new_session` and `auto_session_created`; the `session_ids` list for
 * `sessions_bulk_deleted`. `null` means a global message; `false` means a reference that is not an
 * id (an object, an array, a boolean…), which the element reports and drops.
 */
export function sessionRefOf(message: KimiMessage): string | readonly string[] | null | false {
  const id = (message as { session_id?: unknown }).session_id;
  return id !== undefined && id !== null ? sessionIdOf(id) : nestedRefOf(message);
}

/** The session a message makes active, for following the server's active session; `null` when none or not an id. */
export function activatedSessionOf(message: KimiMessage): string | null {
  switch (message.type) {
    case 'init':
    case 'new_session':
    case 'auto_session_created':
      return (nestedRefOf(message) as string | null | false) || null;
    case 'session_activated':
      return normalizeSessionId((message as { session_id?: unknown }).session_id);
    default:
      return null;
  }
}

/**
 * The session rule, in one place: whether a message belongs to the session `shown` (canonical),
 * given its reference (`sessionRefOf`). Global messages (no reference) belong to every session; a
 * list (`sessions_bulk_deleted`) belongs to each session it names; a reference that is not an id
 * belongs to none. `shown` null (following, none known yet) takes everything readable.
 */
export function refersTo(ref: string | readonly string[] | null | false, shown: string | null): boolean {
  if (ref === false) return false;
  if (ref === null || shown === null) return true;
  return typeof ref === 'string' ? ref === shown : ref.includes(shown);
}

/** Whether `message` belongs to the session `shown` (`refersTo`); ids compare in canonical form. */
export function belongsTo(message: KimiMessage, shown: string | null): boolean {
  return refersTo(sessionRefOf(message), shown);
}

/** What the filter makes of one message: deliver it, drop it as another session's, or drop it as unreadable. */
export type SessionVerdict = 'pass' | 'other' | 'invalid';

/**
 * Decides which messages pass. Pinned to a session, or following the server's active session
 * (then, until the server names one, everything passes: there is nothing to filter against).
 * Global messages always pass. Ids compare in canonical form (`sessionIdOf`), so `3`, `"3"`,
 * `"03"` and `"3.0"` are the same session, and `"abc"` is only `"abc"`.
 */
export class SessionFilter {
  /** Changes whenever the session passed may have changed, so a caller can tell the filter moved under it. */
  version = 0;
  private pinned: string | null = null;
  private followed: string | null = null;
  /** The wanted id as a number when it is numeric (NaN otherwise): wire ids are mostly numbers. */
  private wantedNumber = NaN;

  /** The session currently passed, or null when everything passes. */
  get current(): string | null {
    return this.pinned ?? this.followed;
  }

  get following(): boolean {
    return this.pinned === null;
  }

  pin(sessionId: unknown): void {
    this.pinned = normalizeSessionId(sessionId);
    this.refresh();
  }

  /** Called for every message; returns true when the followed session changed. */
  observe(message: KimiMessage): boolean {
    const activated = activatedSessionOf(message);
    if (activated === null || activated === this.followed) return false;
    this.followed = activated;
    this.refresh();
    return true;
  }

  accepts(message: KimiMessage): boolean {
    return this.classify(message) === 'pass';
  }

  /**
   * The per-frame decision. A numeric `session_id` against a numeric wanted id (the common case)
   * is one comparison and allocates nothing.
   */
  classify(message: KimiMessage): SessionVerdict {
    const id = (message as { session_id?: unknown }).session_id;
    const wanted = this.current;
    if (typeof id === 'number') {
      if (id === this.wantedNumber) return 'pass';
      return Number.isFinite(id) ? (wanted === null ? 'pass' : 'other') : 'invalid';
    }
    if (typeof id === 'string') {
      if (wanted === null || id === wanted) return 'pass';
      const text = id.trim();
      if (text === '') return 'pass'; // an empty id names no session: global
      // Compare numbers as numbers, so "03" matches 3 without building "3".
      const n = NUMERIC.test(text) ? Number(text) : NaN;
      return (Number.isFinite(n) ? n === this.wantedNumber : text === wanted) ? 'pass' : 'other';
    }
    const ref = id === undefined || id === null ? nestedRefOf(message) : false;
    if (ref === false) return 'invalid';
    return refersTo(ref, wanted) ? 'pass' : 'other';
  }

  private refresh(): void {
    this.version++;
    const wanted = this.current;
    const n = wanted === null ? NaN : Number(wanted);
    this.wantedNumber = String(n) === wanted ? n : NaN;
  }
}
