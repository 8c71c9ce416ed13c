/** The `detail` of `kimi:budget`. */
export interface KimiBudgetDetail {
  /** The level crossed, in percent of the budget (50, 80, 95 by default). */
  level: number;
  /** Share of the budget spent now, percent (can exceed 100). */
  share: number;
  /** USD spent in the meter's window. */
  spent: number;
  /** The budget, USD. */
  budget: number;
  /** USD per hour over the last 15 minutes; null when nothing was spent in them. */
  burnRate: number | null;
  /** The session shown, or null for `scope="all"` or while none is known. */
  sessionId: string | null;
}

/**
 * `kimi:budget`: the spend of a `<kimi-cost-meter>` with a `budget` went past one of its levels.
 * Once per crossing: it fires again only after the spend fell below the level (a sliding window)
 * and rose past it again, and only when requests arrive: changing `budget`, `budget-levels`, the prices
 * or the window fires nothing. Bubbles and is
 * composed; `<kimi-alert-feed>` shows it.
 */
export class KimiBudgetEvent extends CustomEvent<KimiBudgetDetail> {
  constructor(detail: KimiBudgetDetail) {
    super('kimi:budget', { detail, bubbles: true, composed: true });
  }
}
