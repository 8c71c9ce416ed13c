import type { ReactiveElement } from 'lit';
import { KimiErrorEvent } from '../../events/kimi-error-event.js';
import { invalidOptionDetail, readNumberOption, type NumberSpec } from '../../internal/options.js';

// The elements' option checks: they report on the element (`kimi:error` kind `invalid-option`), so they
// live with the elements; internal/options.ts reads values and dispatches nothing.

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
