/**
 * Numbers and times in the page's language (the nearest `lang`), with formatters cached per locale:
 * rendering never builds an `Intl` object per value.
 */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** Below this the item is "now". */
const NOW_MS = 5_000;

const formats = new Map<string, Intl.RelativeTimeFormat>();

/**
 * The language of the nearest `lang` attribute, or undefined (the browser's) when there is none or
 * it is malformed: `Intl` throws on a bad tag, and a typo in the page must not break rendering.
 */
export function langOf(element: Element): string | undefined {
  const lang = element.closest('[lang]')?.getAttribute('lang');
  if (!lang) return undefined;
  try {
    return Intl.getCanonicalLocales(lang)[0];
  } catch {
    return undefined;
  }
}

function formatFor(locale: string | undefined): Intl.RelativeTimeFormat {
  const key = locale ?? '';
  let format = formats.get(key);
  if (!format) {
    format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
    formats.set(key, format);
  }
  return format;
}

export function relativeTime(time: number, now = Date.now(), locale?: string): string {
  const elapsed = Math.max(0, now - time);
  const format = formatFor(locale);
  if (elapsed < NOW_MS) return format.format(0, 'second');
  for (const [unit, ms] of UNITS) {
    if (elapsed >= ms) return format.format(-Math.floor(elapsed / ms), unit);
  }
  return format.format(0, 'second');
}

/**
 * Ms until `relativeTime(time)` changes its text: at 5 s ("now" → "5 sec. ago"), then every second
 * for a minute, every minute for an hour, and so on. Whoever shows it redraws then, not on a fixed
 * period that lets "now" stand for 20 s.
 */
export function relativeTimeChangesIn(time: number, now = Date.now()): number {
  const elapsed = Math.max(0, now - time);
  if (elapsed < NOW_MS) return NOW_MS - elapsed;
  for (const [, ms] of UNITS) if (elapsed >= ms) return ms - (elapsed % ms);
  return 1000;
}

const numbers = new Map<string, Intl.NumberFormat>();

/** "163,512" in en, "163 512" in fr: a whole or decimal number in the page's language. */
export function formatNumber(value: number, locale: string | undefined, digits = 0): string {
  const key = `${locale ?? ''}|${digits}`;
  let format = numbers.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    numbers.set(key, format);
  }
  return format.format(value);
}

/** "62.4 %" (one decimal) in the page's language. */
export function formatPercent(value: number, locale: string | undefined): string {
  return `${formatNumber(value, locale, 1)} %`;
}

const clocks = new Map<string, Intl.DateTimeFormat>();

function clockFormat(locale: string | undefined, kind: 'time' | 'date' | 'full'): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${kind}`;
  let format = clocks.get(key);
  if (!format) {
    // The hour cycle is the locale's (12 h "10:42:03 PM" in en-US, 24 h "22:42:03" in en-GB or fr): one
    // format per page, the same in every element.
    format = new Intl.DateTimeFormat(
      locale,
      kind === 'time'
        ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
        : kind === 'date'
          ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }
          : { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' },
    );
    clocks.set(key, format);
  }
  return format;
}

/**
 * "10:42:03 PM" / "22:42:03", or with the date ("Nov 14, 10:42 PM") when `withDate`, in the page's
 * language and its hour cycle, this browser's zone. Every element shows times through this.
 */
export function formatClock(time: number, locale: string | undefined, withDate = false): string {
  return clockFormat(locale, withDate ? 'date' : 'time').format(time);
}

/** Date and time to the second ("Nov 14, 2026, 10:42:03 PM"), for titles. */
export function formatDateTime(time: number, locale: string | undefined): string {
  return clockFormat(locale, 'full').format(time);
}
