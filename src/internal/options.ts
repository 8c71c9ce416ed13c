import type { ReactiveElement } from 'lit';
import { KimiErrorEvent, type KimiErrorDetail } from '../events/kimi-error-event.js';
import { excerptOf } from '../protocol/parse-frame.js';

/** What a numeric option accepts. A value outside it falls back to `fallback`. */
export interface NumberSpec<F extends number | null = number> {
  /** The default: used when unset (attribute removed, `null`) or invalid; `null` for "none". */
  fallback: F;
  min: number;
  max: number;
  /** Whole numbers only. */
  integer?: boolean;
  /** An empty (or blank) string means unset, like a removed attribute, instead of invalid. */
  emptyIsUnset?: boolean;
}

/** Longest delay a browser timer honours (2^31 − 1 ms); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Reads a numeric option from a property value or an attribute's text: a finite number, or a string
 * that is one (surrounding spaces allowed), inside the spec. Returns `fallback` for `null`/`undefined`
 * (unset), and `undefined` for anything invalid: `""`, `"3s"`, `NaN`, out of range, a fraction where
 * an integer is wanted, any other type.
 */
export function readNumberOption<F extends number | null>(value: unknown, spec: NumberSpec<F>): number | F | undefined {
  if (value === null || value === undefined) return spec.fallback;
  if (spec.emptyIsUnset && typeof value === 'string' && value.trim() === '') return spec.fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN;
  if (!(n >= spec.min && n <= spec.max) || (spec.integer && !Number.isInteger(n))) return undefined;
  return n;
}

/**
 * Validates `value` for the option `name` of `host`: returns it as a number, or the fallback after
 * reporting a `kimi:error` of kind `invalid-option` on `host`. The report waits for the host's next
 * update, so it reaches listeners on the page even when set before the element was attached.
 */
export function checkNumberOption<F extends number | null>(host: ReactiveElement, name: string, value: unknown, spec: NumberSpec<F>): number | F {
  const n = readNumberOption(value, spec);
  if (n !== undefined) return n;
  reportInvalidOption(host, name, value, `a${spec.integer ? 'n integer' : ' number'} from ${spec.min} to ${spec.max}`, spec.fallback);
  return spec.fallback;
}

/**
 * Reports, once the host has updated, that `value` is not valid for its option `name` (a property
 * name; the report names its attribute, the kebab-case of it).
 */
export function reportInvalidOption(host: ReactiveElement, name: string, value: unknown, expected: string, fallback: unknown): void {
  const detail = invalidOptionDetail(name, value, expected, fallback);
  host.requestUpdate();
  void host.updateComplete.then(() => host.dispatchEvent(new KimiErrorEvent(detail)));
}

/** The `kimi:error` detail saying that `value` is not valid for the option `name` (a property name; the report names its attribute). */
export function invalidOptionDetail(name: string, value: unknown, expected: string, fallback: unknown): KimiErrorDetail {
  const option = name.replace(/[A-Z]/g, '-$&').toLowerCase();
  const shown = typeof value === 'string' ? `"${excerptOf(value)}"` : typeof value === 'number' ? String(value) : `a ${typeof value}`;
  return {
    kind: 'invalid-option' as const,
    message: `${option}: ${shown} is not valid (${expected} expected); using ${fallback ?? 'none'}.`,
    excerpt: shown,
    option,
  };
}

/**
 * Property decorator: every value set (by the attribute or the property) is checked against `spec`;
 * an invalid one becomes `spec.fallback` and is reported as `kimi:error` kind `invalid-option`.
 * Put it **below** Lit's `@property` (decorators apply bottom-up), and give `@property` no
 * `type: Number`, so the attribute's own text reaches the check:
 *
 * ```ts
 * @property({ attribute: 'max-points' })
 * @numberOption({ fallback: 300, min: 2, max: 100_000, integer: true })
 * maxPoints = 300;
 * ```
 */
export function numberOption(spec: NumberSpec<number | null>) {
  return (proto: ReactiveElement, name: string): void => {
    // Placed above @property, it would replace Lit's accessor and no update would follow a change.
    if (Object.prototype.hasOwnProperty.call(proto, name)) throw new Error(`@numberOption goes below @property (${name})`);
    const key = Symbol(name);
    type Host = ReactiveElement & { [key]?: number | null };
    Object.defineProperty(proto, name, {
      get(this: Host) {
        return this[key] ?? spec.fallback;
      },
      set(this: Host, value: unknown) {
        this[key] = checkNumberOption(this, name, value, spec);
      },
      configurable: true,
      enumerable: true,
    });
  };
}
