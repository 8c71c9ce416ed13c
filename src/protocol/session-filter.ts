import type { KimiMessage } from './messages.js';

/** Normalizes a session id from an attribute, a property or the wire to the string compared. */
export function normalizeSessionId(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  return text === '' ? null : text;
}

/**
 * The session a message refers to: its top-level `session_id`; `session.id` for `init`,
 * `new_session` and `auto_session_created`; the `session_ids` list for `sessions_bulk_deleted`.
 * `null` means a global message.
 */
export function sessionRefOf(message: KimiMessage): string | readonly string[] | null {
  const m = message as Record<string, unknown>;
  const id = m['session_id'];
  if (id !== undefined && id !== null) return String(id);
  switch (message.type) {
    case 'init':
    case 'new_session':
    case 'auto_session_created':
      return normalizeSessionId((m['session'] as { id?: unknown } | null | undefined)?.id);
    case 'sessions_bulk_deleted': {
      const ids = m['session_ids'];
      return Array.isArray(ids) ? ids.map(String) : null;
    }
    default:
      return null;
  }
}

/** The session a message makes active, for following the server's active session. */
export function activatedSessionOf(message: KimiMessage): string | null {
  switch (message.type) {
    case 'init':
    case 'new_session':
    case 'auto_session_created':
      return normalizeSessionId((message as { session?: { id?: unknown } | null }).session?.id);
    case 'session_activated':
      return normalizeSessionId((message as { session_id?: unknown }).session_id);
    default:
      return null;
  }
}

/**
 * Decides which messages pass. Pinned to a session, or following the server's active session
 * (then, until the server names one, everything passes: there is nothing to filter against).
 * Global messages always pass. Ids compare as strings, so `3` matches `"3"`.
 */
export class SessionFilter {
  private pinned: string | null = null;
  private followed: string | null = null;
  /** Fast path for the common case of an integer id on the wire and a canonical integer pinned. */
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

  /** Called for every message while following; returns true when the followed session changed. */
  observe(message: KimiMessage): boolean {
    const activated = activatedSessionOf(message);
    if (activated === null || activated === this.followed) return false;
    this.followed = activated;
    this.refresh();
    return true;
  }

  accepts(message: KimiMessage): boolean {
    const wanted = this.current;
    if (wanted === null) return true;
    const id = (message as { session_id?: unknown }).session_id;
    if (id !== undefined && id !== null) {
      return id === this.wantedNumber || String(id) === wanted;
    }
    const ref = sessionRefOf(message);
    if (ref === null) return true;
    return typeof ref === 'string' ? ref === wanted : ref.includes(wanted);
  }

  private refresh(): void {
    const wanted = this.current;
    const n = wanted === null ? NaN : Number(wanted);
    this.wantedNumber = String(n) === wanted ? n : NaN;
  }
}
