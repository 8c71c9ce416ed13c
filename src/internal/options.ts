import type { KimiErrorDetail } from '../events/kimi-error-event.js';
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
