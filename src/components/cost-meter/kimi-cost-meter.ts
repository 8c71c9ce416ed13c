import { css, html, nothing, svg } from 'lit';
import { property } from 'lit/decorators.js';
import { KimiBudgetEvent, type KimiBudgetDetail } from '../../events/kimi-budget-event.js';
import { defineElement } from '../../internal/define-element.js';
import { numberOption, reportInvalidOption } from '../shared/option-checks.js';
import { costOf, type CostSum } from '../../protocol/request-summary.js';
import { dashboardStyles } from '../shared/dashboard-element.js';
import { formatPercent } from '../shared/locale.js';
import { formatDuration, formatUsd } from '../shared/money.js';
import { RequestElement } from '../shared/request-element.js';
import { themeTokens } from '../shared/theme.js';

/** The burn rate is the spend of the last 15 minutes, per hour. */
export const BURN_WINDOW_MS = 15 * 60_000;
const DEFAULT_LEVELS = [50, 80, 95];

/** `budget-levels` as sorted percentages (0 < p ≤ 1000), or null when the text is not such a list. */
export function budgetLevelsOf(text: string): number[] | null {
  const words = text
    .trim()
    .split(/[\s,]+/)
    .filter(Boolean);
  if (!words.length || words.length > 10) return null;
  const levels = words.map(Number);
  if (levels.some((n) => !Number.isFinite(n) || n <= 0 || n > 1000)) return null;
  return [...new Set(levels)].sort((a, b) => a - b);
}

/**
 * What the requests cost: the spend of the session shown (or of every session passed, with
 * `scope="all"`) over `time-window`, the burn rate of the last 15 minutes, and with a `budget` the
 * share used, when the budget is reached at the current rate, and `kimi:budget` once per level
 * crossed (50 / 80 / 95 % by default), which `<kimi-alert-feed>` shows. Costs come from each
 * request's tokens and its model's price (`prices`, `prices-url`, else the default table from
 * models.dev); requests whose model has no price are counted apart ("no price"), never as $0, and
 * estimated token counts are marked. Kimi Proxy without `kimi-tap` names no model per request: its
 * requests are priced with their session's model.
 *
 * @tag kimi-cost-meter
 * @summary Spend, burn rate and budget of the proxied requests.
 *
 * @fires {KimiBudgetEvent} kimi:budget - The spend crossed a budget level (`detail`: `{ level, share, spent, budget, burnRate, sessionId }`). Once per crossing; fired on the element, or on its `<kimi-realtime>` when the meter is outside it (`source="…"`), so that source's alert feed sees it.
 *
 * @csspart total - The amount spent (or "No price").
 * @csspart details - Requests counted, the window, unpriced and estimated requests.
 * @csspart rate - The burn rate line.
 * @csspart budget - The budget bar (`role="meter"`).
 * @csspart projection - Share of the budget used and when it is reached at the current rate.
 * @csspart notice - "Data as of …" while not connected; "Session … was deleted" / "not found".
 *
 * @cssprop [--kimi-cost-bar=var(--kimi-color-accent)] - Fill of the budget bar below the first level.
 * @cssprop [--kimi-cost-caution=var(--kimi-color-caution)] - Fill from the first level.
 * @cssprop [--kimi-cost-warning=var(--kimi-color-warning)] - Fill from the second level.
 * @cssprop [--kimi-cost-critical=var(--kimi-color-critical)] - Fill from the third level and past the budget.
 * @cssprop [--kimi-cost-track=var(--kimi-color-border)] - The empty bar.
 */
export class KimiCostMeter extends RequestElement {
  static override styles = [
    themeTokens,
    dashboardStyles,
    css`
      :host {
        display: block;
        background: var(--_surface);
        border-radius: var(--_radius);
        padding: 8px 12px;
        --_bar: var(--kimi-cost-bar, var(--_accent));
        --_track: var(--kimi-cost-track, var(--_border));
      }
      :host([hidden]) {
        display: none;
      }
      p {
        margin: 2px 0;
      }
      [part='total'] {
        font-size: 1.6rem;
        font-variant-numeric: tabular-nums;
        font-weight: 600;
      }
      [part='details'],
      [part='rate'],
      [part='projection'] {
        font-size: 0.85rem;
        color: var(--_muted);
      }
      svg {
        display: block;
        width: 100%;
        height: 10px;
        margin: 6px 0 2px;
      }
      .track {
        fill: var(--_track);
      }
      .fill {
        fill: var(--_bar);
      }
      .fill.level-1 {
        fill: var(--kimi-cost-caution, var(--_caution));
      }
      .fill.level-2 {
        fill: var(--kimi-cost-warning, var(--_warning));
      }
      .fill.level-3,
      .fill.over {
        fill: var(--kimi-cost-critical, var(--_critical));
      }
      .tick {
        stroke: var(--_text);
        stroke-width: 0.4;
      }
    `,
  ];

  /** Registers `<kimi-cost-meter>`; warns instead of throwing when another copy already did. */
  static define(tag = 'kimi-cost-meter'): void {
    defineElement(tag, this);
  }

  /** Accessible name of the meter. */
  @property() label = 'Cost';

  /** Seconds of requests counted, ending now; 0 (default) counts every request held. */
  @property({ attribute: 'time-window' })
  @numberOption({ fallback: 0, min: 0, max: 10 * 365 * 86_400 })
  timeWindow: number = 0;

  /** Budget in USD for the window; 0 (default) for none. */
  @property()
  @numberOption({ fallback: 0, min: 0, max: 1e9 })
  budget: number = 0;

  /** Levels of the budget, in percent, that fire `kimi:budget` once each: space-separated, default `50 80 95`. */
  @property({ attribute: 'budget-levels' }) budgetLevels = '50 80 95';

  /** The spend in the window: USD, requests priced, without a price, estimated. */
  spent: CostSum = { usd: null, priced: 0, unpriced: 0, estimated: 0 };
  /** USD per hour over the last 15 minutes; null when nothing was priced in them. */
  burnRate: number | null = null;
  /** Requests in the window. */
  requestCount = 0;

  private levels: number[] = DEFAULT_LEVELS;
  /** Levels the spend is at or above; a level fires when it joins. */
  private readonly crossed = new Set<number>();
  private pending: KimiBudgetDetail[] = [];
  /** `ledger.added` when the levels were last checked. */
  private seenAdded = 0;

  protected readonly link = this.linkRequests();

  protected get windowMs(): number {
    // The ledger keeps at least the burn-rate window.
    return this.timeWindow > 0 ? Math.max(this.timeWindow * 1000, BURN_WINDOW_MS) : 0;
  }

  /** Share of the budget spent, percent; null without a budget or a price. */
  get share(): number | null {
    return this.budget > 0 && this.spent.usd !== null ? (this.spent.usd / this.budget) * 100 : null;
  }

  protected override clear(): void {
    super.clear();
    this.crossed.clear();
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed);
    if (changed.has('budgetLevels')) {
      const levels = budgetLevelsOf(this.budgetLevels);
      if (!levels) reportInvalidOption(this, 'budgetLevels', this.budgetLevels, 'percentages from 0 to 1000, space-separated', '50 80 95');
      this.levels = levels ?? DEFAULT_LEVELS;
    }
    const now = Date.now();
    const all = this.ledger.entries(now);
    const from = this.timeWindow > 0 ? now - this.timeWindow * 1000 : -Infinity;
    const counted = all.filter((e) => e.time >= from);
    this.requestCount = counted.length;
    this.spent = costOf(counted, this.priceTable, this.modelOfSession);
    const burn = costOf(
      all.filter((e) => e.time >= now - BURN_WINDOW_MS),
      this.priceTable,
      this.modelOfSession,
    );
    this.burnRate = burn.usd === null ? null : burn.usd * (3_600_000 / BURN_WINDOW_MS);
    // A crossing is the spend rising because requests came. Anything else that moves the share (the
    // owner changing the budget, its levels, the prices, the window; old requests leaving it) is taken
    // silently: never an event because the owner set a property.
    const grew = this.ledger.added !== this.seenAdded;
    this.seenAdded = this.ledger.added;
    const silent =
      !grew || (changed.has('budget') && changed.get('budget') !== undefined) || (changed.has('budgetLevels') && changed.get('budgetLevels') !== undefined);
    this.checkLevels(silent);
  }

  private checkLevels(silent: boolean): void {
    const share = this.share;
    for (const level of this.levels) {
      const above = share !== null && share >= level;
      if (!above) this.crossed.delete(level);
      else if (!this.crossed.has(level)) {
        this.crossed.add(level);
        if (!silent) {
          this.pending.push({
            level,
            share: share!,
            spent: this.spent.usd!,
            budget: this.budget,
            burnRate: this.burnRate,
            sessionId: this.scope === 'all' ? null : this.sessionId,
          });
        }
      }
    }
    for (const level of [...this.crossed]) if (!this.levels.includes(level)) this.crossed.delete(level);
  }

  protected override updated(): void {
    const pending = this.pending;
    if (!pending.length) return;
    this.pending = [];
    // Outside its <kimi-realtime> (source="…"), the event would not pass through it: fire it there.
    const source = this.kimiSource;
    const target = source && !source.contains(this) ? source : this;
    for (const detail of pending) {
      // Built apart from dispatchEvent() so the manifest analyzer takes the name from @fires.
      const event = new KimiBudgetEvent(detail);
      target.dispatchEvent(event);
    }
  }

  private renderBudget() {
    const share = this.share;
    if (this.budget <= 0) return nothing;
    const locale = this.locale;
    const reached = this.levels.filter((l) => share !== null && share >= l).length;
    const fillClass = share !== null && share >= 100 ? 'fill over' : `fill level-${Math.min(reached, 3)}`;
    const width = share === null ? 0 : Math.min(share, 100);
    const budgetText = formatUsd(this.budget, locale);
    let projection: string;
    if (share === null) projection = `Budget ${budgetText}: no price for these requests`;
    else if (share >= 100) projection = `Budget ${budgetText}: ${formatPercent(share, locale)} used, reached`;
    else {
      const rate = this.burnRate;
      const left = this.budget - this.spent.usd!;
      const when = rate && rate > 0 ? `reached in about ${formatDuration((left / rate) * 3_600_000, locale)} at this rate` : 'no spend in the last 15 minutes';
      projection = `Budget ${budgetText}: ${formatPercent(share, locale)} used, ${when}`;
    }
    return html`
      <div
        part="budget"
        role="meter"
        aria-label=${`${this.label}: share of the budget`}
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow=${share === null ? 0 : Math.round(Math.min(share, 100) * 10) / 10}
        aria-valuetext=${projection}
      >
        <svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
          <rect class="track" x="0" y="0" width="100" height="10"></rect>
          <rect class=${fillClass} x="0" y="0" width=${width} height="10"></rect>
          ${this.levels.filter((l) => l < 100).map((l) => svg`<line class="tick" x1=${l} x2=${l} y1="0" y2="10"></line>`)}
        </svg>
      </div>
      <p part="projection">${projection}</p>
    `;
  }

  protected override render() {
    const locale = this.locale;
    const spent = this.spent;
    const total = spent.usd === null ? (this.requestCount ? 'No price' : formatUsd(0, locale)) : formatUsd(spent.usd, locale);
    const details = [
      `${this.requestCount} ${this.requestCount === 1 ? 'request' : 'requests'}${this.timeWindow > 0 ? ` in the last ${formatDuration(this.timeWindow * 1000, locale)}` : ''}`,
      spent.unpriced ? `${spent.unpriced} without a price` : '',
      spent.estimated ? `${spent.estimated} estimated` : '',
      this.refused ? `${this.refused} not counted (max-requests reached)` : '',
    ].filter(Boolean);
    const rate = this.burnRate;
    return html`
      <section class="data" aria-label=${this.label}>
        <p part="total">${total}${spent.estimated ? html`<span class="sr-only"> (partly estimated)</span>` : nothing}</p>
        <p part="details">${details.join(' · ')}</p>
        <p part="rate">
          ${rate === null ? 'Burn rate: no priced requests in the last 15 minutes' : `Burn rate ${formatUsd(rate, locale)}/h (last 15 minutes)`}
        </p>
        ${this.renderBudget()}
      </section>
      ${this.renderNotice()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kimi-cost-meter': KimiCostMeter;
  }
}
