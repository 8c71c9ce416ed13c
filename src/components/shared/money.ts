/** Money and durations in the page's language. */
const money = new Map<string, Intl.NumberFormat>();

/** `$1.23`; amounts under a dollar keep four decimals (`$0.0042`), where request costs live. */
export function formatUsd(usd: number, locale: string | undefined): string {
  const digits = usd !== 0 && Math.abs(usd) < 1 ? 4 : 2;
  const key = `${locale ?? ''}|${digits}`;
  let format = money.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits });
    money.set(key, format);
  }
  return format.format(usd);
}

/** `45 s`, `12 min`, `2 h 10 min`, `3 d 4 h`. */
export function formatDuration(ms: number, _locale?: string): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** `850 ms`, `1.24 s`; `–` for none. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '–';
  return ms >= 1000 ? `${+(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}
