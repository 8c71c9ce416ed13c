import { property } from 'lit/decorators.js';
import { KimiErrorEvent } from '../../events/kimi-error-event.js';
import { numberOption, reportInvalidOption } from './option-checks.js';
import { PriceProblem, PriceTable, defaultPrices, type PriceList } from '../../protocol/prices.js';
import { exportRequests, type ExportFormat } from '../../protocol/readings-export.js';
import { DEFAULT_LEDGER_CAPACITY, RequestLedger, type LedgerEntry } from '../../protocol/request-ledger.js';
import { SessionModels } from '../../protocol/session-models.js';
import type { KimiMessage } from '../../protocol/messages.js';
import { DashboardElement } from './dashboard-element.js';
import type { KimiEventHandlers } from './source-controller.js';

/** Longest `prices-url` answer read (bytes of text): a price list is a few kilobytes. */
const MAX_PRICES_ANSWER = 1024 * 1024;
/** How often a sliding window moves on while nothing arrives. */
const TICK_MS = 5000;

/**
 * Base of the elements that count requests and money (`<kimi-cost-meter>`, `<kimi-model-table>`):
 * the request ledger (each request once, sliding window, bounded), the session models (requests
 * that name no model are priced with their session's) and the price table (`prices`, `prices-url`
 * over the default table). Subclasses render.
 */
export abstract class RequestElement extends DashboardElement {
  /**
   * Prices that override the defaults, USD per 1M tokens: `{ "<model>": { "input": 0.6, "output": 2.5,
   * "cachedInput": 0.15 } }`, as a property or as JSON in the attribute. A list with a bad entry is
   * refused whole (`kimi:error`), and the other prices stay.
   */
  @property({ attribute: 'prices' }) prices: PriceList | string | null = null;

  /** URL of a JSON price list (same form as `prices`), fetched when set; `prices` wins over it. */
  @property({ attribute: 'prices-url' }) pricesUrl = '';

  /** Most requests held in the window (1 – 1,000,000); past it new requests are refused and counted. */
  @property({ attribute: 'max-requests' })
  @numberOption({ fallback: DEFAULT_LEDGER_CAPACITY, min: 1, max: 1_000_000, integer: true })
  maxRequests: number = 10000;

  /**
   * `session` (default): the requests of the session shown; another session starts afresh. `all`:
   * every request the source passes, kept across the session changes it follows (a `<kimi-realtime>`
   * that follows the active session passes each session while it is active).
   */
  @property() scope: 'session' | 'all' = 'session';

  protected readonly ledger = new RequestLedger();
  /** The source itself changed (not only its session): `scope="all"` starts afresh too. */
  private newSource = true;
  protected readonly sessionModels = new SessionModels();
  /** The table in use: defaults, then `prices-url`, then `prices`. */
  protected priceTable: PriceTable = defaultPrices();
  private fromUrl: PriceList | null = null;
  private fromProperty: PriceList | null = null;
  private fetching: AbortController | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;

  /** Links to the source with the request handlers, plus the subclass's own. */
  protected linkRequests(own: KimiEventHandlers = {}) {
    const learn = (e: { detail: KimiMessage }) => {
      if (this.sessionModels.learn(e.detail)) this.requestUpdate();
    };
    return this.linkSource({
      ...own,
      'kimi:metric': (e) => {
        if (this.ledger.addReading(e.detail, Date.now())) this.requestUpdate();
      },
      'kimi:request_failed': (e) => {
        if (this.ledger.addFailure(e.detail, Date.now())) this.requestUpdate();
      },
      'kimi:streaming_error': (e) => {
        if (this.ledger.markFailed(e.detail.metric_id)) this.requestUpdate();
      },
      'kimi:init': learn,
      'kimi:new_session': learn,
      'kimi:session_activated': learn,
      'kimi:auto_session_created': learn,
      'kimi:hydrate': (e) => {
        const session = e.detail.session;
        if (session && this.sessionModels.set(session.id, session.model)) this.requestUpdate();
      },
    });
  }

  /** The session's model, for requests that name none. */
  protected readonly modelOfSession = (sessionId: string | null): string | null => this.sessionModels.get(sessionId ?? this.sessionId);

  /** Length of the window in ms (0: every request held). */
  protected abstract get windowMs(): number;

  protected override showsData(): boolean {
    return this.requests.length > 0;
  }

  /** The requests in the window, oldest first. */
  get requests(): LedgerEntry[] {
    return this.ledger.entries(Date.now());
  }

  /** Requests refused because `max-requests` were held in the window. */
  get refused(): number {
    return this.ledger.refused;
  }

  /**
   * The requests of the window as CSV or JSON (columns: README, "Export"); `importRequests()` reads
   * them back.
   */
  exportData(format: ExportFormat = 'csv'): string {
    return exportRequests(this.requests, format);
  }

  /** Saves `exportData(format)` as a file (what the toolbar buttons do). */
  download(format: ExportFormat = 'csv'): void {
    const blob = new Blob([this.exportData(format)], { type: format === 'csv' ? 'text/csv' : 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${this.localName}-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 0);
  }

  protected clear(): void {
    if (this.scope !== 'all' || this.newSource) this.ledger.clear();
    this.newSource = false;
  }

  protected override sourceAttached(source: unknown): void {
    if (source) this.newSource = true;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // The window slides while nothing arrives: old requests leave it, the burn rate decays.
    this.ticker ??= setInterval(() => this.requestUpdate(), TICK_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
    this.fetching?.abort();
    this.fetching = null;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed);
    this.ledger.windowMs = this.windowMs;
    this.ledger.capacity = this.maxRequests;
    if (changed.has('prices')) {
      this.fromProperty = this.readPrices(this.prices, 'prices');
      this.rebuildPrices();
    }
    if (changed.has('pricesUrl')) this.fetchPrices();
  }

  private readPrices(value: unknown, option: string): PriceList | null {
    if (value === null || value === undefined || value === '') return null;
    try {
      const list = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
      PriceTable.from(list);
      return list as PriceList;
    } catch (error) {
      const reason = error instanceof PriceProblem ? error.message : 'not valid JSON';
      reportInvalidOption(this, option, typeof value === 'string' ? value : JSON.stringify(value), `a price list: ${reason}`, 'the other prices');
      return null;
    }
  }

  private rebuildPrices(): void {
    const lists = [this.fromUrl, this.fromProperty].filter((l): l is PriceList => l !== null);
    if (!lists.length) {
      this.priceTable = defaultPrices();
      return;
    }
    const table = PriceTable.from({});
    table.merge(defaultPrices());
    for (const list of lists) table.merge(PriceTable.from(list));
    this.priceTable = table;
  }

  private fetchPrices(): void {
    this.fetching?.abort();
    this.fetching = null;
    this.fromUrl = null;
    this.rebuildPrices();
    const url = this.pricesUrl.trim();
    if (!url) return;
    const run = new AbortController();
    this.fetching = run;
    void (async () => {
      try {
        const response = await fetch(url, { signal: run.signal, credentials: 'same-origin' });
        if (!response.ok) throw new PriceProblem(`HTTP ${response.status}`);
        const text = await response.text();
        if (text.length > MAX_PRICES_ANSWER) throw new PriceProblem(`larger than ${MAX_PRICES_ANSWER} bytes`);
        if (run.signal.aborted) return;
        let list: unknown;
        try {
          list = JSON.parse(text);
        } catch {
          throw new PriceProblem('not valid JSON');
        }
        PriceTable.from(list);
        this.fromUrl = list as PriceList;
        this.rebuildPrices();
        this.requestUpdate();
      } catch (error) {
        if (run.signal.aborted) return;
        const reason = error instanceof Error ? error.message : String(error);
        this.dispatchEvent(
          new KimiErrorEvent({
            kind: 'invalid-option',
            option: 'prices-url',
            message: `prices-url: the price list could not be loaded (${reason}); using the other prices.`,
          }),
        );
      } finally {
        if (this.fetching === run) this.fetching = null;
      }
    })();
  }
}
