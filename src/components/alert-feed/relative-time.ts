/** "12 sec. ago", "3 min. ago": how long ago an epoch-ms time was, in the page's language. */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** Below this the item is "now": a count of seconds would only tick past unread. */
const NOW_MS = 10_000;

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
