import { DEFAULT_PRICE_ROWS } from './default-prices.js';
import type { RequestFacts } from './usage-readings.js';

/**
 * Model prices and the cost of one request. Prices are USD per 1M tokens. A model with no price is
 * "no price" (null), never $0: a cost that is not known is not shown as free.
 */

/** USD per 1M tokens. `cachedInput` null: the provider lists no cache price (cached tokens cost `input`). */
export interface ModelPrice {
  input: number;
  output: number;
  cachedInput: number | null;
}

/** The form the generated default table is kept in: model, input, output, cached input. */
export type PriceRow = (typeof DEFAULT_PRICE_ROWS)[number];

/** What `prices` / `prices-url` accept: `{ "<model>": { "input": 0.6, "output": 2.5, "cachedInput": 0.15 } }`. */
export type PriceList = Record<string, { input: number; output: number; cachedInput?: number | null }>;

/** Most models a price list may name: a bound that refuses a larger list rather than keeping part of it. */
export const MAX_PRICED_MODELS = 2000;
const MAX_MODEL_KEY = 120;
/** No model costs more than this per 1M tokens: a larger figure is a unit mistake (per token, cents). */
const MAX_PRICE = 100_000;

const price = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= MAX_PRICE;

export class PriceProblem extends Error {}

/** Lookups ignore case and a `provider/` prefix (`moonshotai/kimi-k2-0905-preview`). */
const keyOf = (model: string): string => model.trim().toLowerCase();

export class PriceTable {
  private readonly prices = new Map<string, ModelPrice>();

  /** The models priced, as given. */
  get size(): number {
    return this.prices.size;
  }

  /**
   * A table from a price list (the `prices` property, a `prices-url` answer, parsed JSON). Throws
   * `PriceProblem` naming the first bad entry: a list is taken whole or not at all.
   */
  static from(list: unknown): PriceTable {
    if (!list || typeof list !== 'object' || Array.isArray(list)) throw new PriceProblem('a JSON object of models expected');
    const entries = Object.entries(list as Record<string, unknown>);
    if (entries.length > MAX_PRICED_MODELS) throw new PriceProblem(`${entries.length} models: at most ${MAX_PRICED_MODELS}`);
    const table = new PriceTable();
    for (const [model, value] of entries) {
      if (!model.trim() || model.length > MAX_MODEL_KEY) throw new PriceProblem(`model name "${model.slice(0, 40)}" is empty or too long`);
      const v = value as Partial<ModelPrice> | null;
      const cached = v?.cachedInput ?? null;
      if (!v || typeof v !== 'object' || !price(v.input) || !price(v.output) || (cached !== null && !price(cached))) {
        throw new PriceProblem(`"${model.slice(0, 40)}": input and output (and cachedInput, if given) must be numbers from 0 to ${MAX_PRICE} per 1M tokens`);
      }
      table.prices.set(keyOf(model), { input: v.input, output: v.output, cachedInput: cached });
    }
    return table;
  }

  static fromRows(rows: readonly PriceRow[]): PriceTable {
    const table = new PriceTable();
    for (const [model, input, output, cachedInput] of rows) table.prices.set(keyOf(model), { input, output, cachedInput });
    return table;
  }

  /** Takes every price of `other`, replacing this table's price of the same model. */
  merge(other: PriceTable): void {
    for (const [key, price] of other.prices) this.prices.set(key, price);
  }

  /** The price of a model: its exact name (case ignored), else the name after its last `/`; null when unknown. */
  priceOf(model: string | null): ModelPrice | null {
    if (!model) return null;
    const key = keyOf(model);
    const found = this.prices.get(key);
    if (found) return found;
    const slash = key.lastIndexOf('/');
    return slash >= 0 ? (this.prices.get(key.slice(slash + 1)) ?? null) : null;
  }
}

let defaults: PriceTable | null = null;
/** The generated default table (models.dev, see `scripts/build-prices.mjs`), built on first use. */
export function defaultPrices(): PriceTable {
  return (defaults ??= PriceTable.fromRows(DEFAULT_PRICE_ROWS));
}

/** The cost of one request and how sure it is. */
export interface RequestCost {
  /** USD; null when the model has no price or the request has no token split. */
  usd: number | null;
  /** The model the price was looked up for (the request's, else the session's), null when unknown. */
  model: string | null;
  /** The token counts were estimated. */
  estimated: boolean;
}

/**
 * The cost of a request: uncached input × input + cached input × cached price (the input price when
 * none is listed) + output × output, per 1M tokens. `fallbackModel` is the session's model, for
 * servers that do not name the model per request (Kimi Proxy ≤ 2c68469).
 */
export function requestCost(request: RequestFacts, table: PriceTable, fallbackModel: string | null = null): RequestCost {
  const model = request.model && request.model !== 'unknown' ? request.model : fallbackModel;
  const p = table.priceOf(model);
  const prompt = request.promptTokens;
  const completion = request.completionTokens;
  if (!p || prompt === null || completion === null) return { usd: null, model, estimated: request.estimated };
  const cached = Math.min(request.cachedTokens ?? 0, prompt);
  const usd = ((prompt - cached) * p.input + cached * (p.cachedInput ?? p.input) + completion * p.output) / 1_000_000;
  return { usd, model, estimated: request.estimated };
}
