import { requestCost, type PriceTable } from './prices.js';
import { percentile, type LedgerEntry } from './request-ledger.js';

/**
 * Totals and percentiles over the requests of a window, the figures of `<kimi-model-table>` and
 * `<kimi-cost-meter>`. Plain sums and nearest-rank percentiles (see `percentile`): the same numbers
 * an offline computation over the same requests gives.
 */

/** The session's model, for requests that do not name one (Kimi Proxy ≤ 2c68469). */
export type SessionModels = (sessionId: string | null) => string | null;

export interface CostSum {
  /** USD of the requests with a price; null when none had one. */
  usd: number | null;
  /** Requests counted in `usd`. */
  priced: number;
  /** Requests with no price (unknown model or no token split): left out of `usd`, never counted as $0. */
  unpriced: number;
  /** Requests in `usd` whose counts were estimates. */
  estimated: number;
}

export interface GroupSummary {
  /** The model (or session) of the row; `unknown` when no model is known. */
  key: string;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cost: CostSum;
  ttftP50: number | null;
  ttftP95: number | null;
  durationP50: number | null;
  durationP95: number | null;
}

export const UNKNOWN_MODEL = 'unknown';

/** The model a request is counted under: its own, else its session's, else `unknown`. */
export function modelOf(entry: LedgerEntry, sessionModels?: SessionModels): string {
  const own = entry.request.model;
  if (own && own !== UNKNOWN_MODEL) return own;
  return sessionModels?.(entry.sessionId) ?? UNKNOWN_MODEL;
}

export function emptyCost(): CostSum {
  return { usd: null, priced: 0, unpriced: 0, estimated: 0 };
}

/** Adds one request's cost to a sum (failed requests cost nothing: the provider bills no answer). */
export function addCost(sum: CostSum, entry: LedgerEntry, prices: PriceTable, sessionModels?: SessionModels): void {
  if (entry.failed && entry.request.completionTokens === null) return;
  const cost = requestCost(entry.request, prices, sessionModels?.(entry.sessionId) ?? null);
  if (cost.usd === null) {
    sum.unpriced++;
    return;
  }
  sum.usd = (sum.usd ?? 0) + cost.usd;
  sum.priced++;
  if (cost.estimated) sum.estimated++;
}

export function costOf(entries: readonly LedgerEntry[], prices: PriceTable, sessionModels?: SessionModels): CostSum {
  const sum = emptyCost();
  for (const entry of entries) addCost(sum, entry, prices, sessionModels);
  return sum;
}

/** One summary per model (or per session with `by: 'session'`), in first-seen order. */
export function summarize(
  entries: readonly LedgerEntry[],
  prices: PriceTable,
  by: 'model' | 'session' = 'model',
  sessionModels?: SessionModels,
): GroupSummary[] {
  const groups = new Map<string, { entries: LedgerEntry[] }>();
  for (const entry of entries) {
    const key = by === 'session' ? (entry.sessionId ?? UNKNOWN_MODEL) : modelOf(entry, sessionModels);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { entries: [] }));
    group.entries.push(entry);
  }
  const out: GroupSummary[] = [];
  for (const [key, { entries: list }] of groups) {
    const ttft: number[] = [];
    const duration: number[] = [];
    let errors = 0;
    let prompt = 0;
    let completion = 0;
    let cached = 0;
    for (const e of list) {
      const r = e.request;
      if (e.failed) errors++;
      prompt += r.promptTokens ?? 0;
      completion += r.completionTokens ?? 0;
      cached += r.cachedTokens ?? 0;
      if (r.ttftMs !== null) ttft.push(r.ttftMs);
      if (r.durationMs !== null) duration.push(r.durationMs);
    }
    // A typed array sorts numerically, natively: several times faster than sort(comparator).
    const ttftSorted = Float64Array.from(ttft).sort();
    const durationSorted = Float64Array.from(duration).sort();
    out.push({
      key,
      requests: list.length,
      errors,
      promptTokens: prompt,
      completionTokens: completion,
      cachedTokens: cached,
      cost: costOf(list, prices, sessionModels),
      ttftP50: percentile(ttftSorted, 50),
      ttftP95: percentile(ttftSorted, 95),
      durationP50: percentile(durationSorted, 50),
      durationP95: percentile(durationSorted, 95),
    });
  }
  return out;
}
