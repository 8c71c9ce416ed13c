import { css, html } from 'lit';
import { property } from 'lit/decorators.js';
import { defineElement } from '../../internal/define-element.js';
import { numberOption, reportInvalidOption } from '../shared/option-checks.js';
import { capText } from '../../protocol/text.js';
import { summarize, type GroupSummary } from '../../protocol/request-summary.js';
import { dashboardStyles } from '../shared/dashboard-element.js';
import { formatNumber } from '../shared/locale.js';
import { formatDuration, formatMs, formatUsd } from '../shared/money.js';
import { RequestElement } from '../shared/request-element.js';
import { themeTokens } from '../shared/theme.js';

/** The sortable columns, by the key `sort` takes. */
export type ModelTableColumn =
  'key' | 'requests' | 'errors' | 'promptTokens' | 'completionTokens' | 'cachedTokens' | 'cost' | 'ttftP50' | 'ttftP95' | 'durationP50' | 'durationP95';

const COLUMNS: readonly (readonly [ModelTableColumn, string])[] = [
  ['key', 'Model'],
  ['requests', 'Requests'],
  ['errors', 'Errors'],
  ['promptTokens', 'Input tokens'],
  ['completionTokens', 'Output tokens'],
  ['cachedTokens', 'Cached tokens'],
  ['cost', 'Cost'],
  ['ttftP50', 'TTFT p50'],
  ['ttftP95', 'TTFT p95'],
  ['durationP50', 'Duration p50'],
  ['durationP95', 'Duration p95'],
];
const COLUMN_KEYS: ReadonlySet<string> = new Set(COLUMNS.map((c) => c[0]));

/** A row's value in a column, for sorting: numbers, or the name; null sorts last. */
function valueOf(row: GroupSummary, column: ModelTableColumn): number | string | null {
  return column === 'cost' ? row.cost.usd : row[column];
}

/**
 * One row per model (or per session, `group-by="session"`) over a sliding window (`time-window`,
 * default one hour): requests, errors, input / output / cached tokens, cost, and p50 / p95 of the
 * time to first token and of the duration (nearest-rank, the same figures an offline computation
 * gives). A real `<table>`: the column headers are buttons that sort it (`aria-sort`). Each request
 * counts once (live and history merge by metric id), memory is bounded by `max-requests`, and the
 * toolbar exports the requests as CSV or JSON. Latency and model names come from `kimi-tap`
 * (PROTOCOL.md §17); Kimi Proxy alone gives tokens, its session's model and "no latency data".
 *
 * @tag kimi-model-table
 * @summary Requests, tokens, cost, errors and latency percentiles per model.
 *
 * @csspart table - The `<table>`.
 * @csspart header - Each column header button (sorts by it).
 * @csspart row - Each body row.
 * @csspart toolbar - The export buttons.
 * @csspart export-button - Each export button (CSV, JSON).
 * @csspart caption - The table's caption: window, counts, latency note.
 * @csspart notice - "Data as of …" while not connected; "Session … was deleted" / "not found".
 *
 * @cssprop [--kimi-table-border=var(--kimi-color-border)] - Row and header rules.
 * @cssprop [--kimi-table-header=var(--kimi-color-muted)] - Header text.
 * @cssprop [--kimi-table-error=var(--kimi-color-critical)] - An error count above zero.
 */
export class KimiModelTable extends RequestElement {
  static override styles = [
    themeTokens,
    dashboardStyles,
    css`
      :host {
        display: block;
        background: var(--_surface);
        border-radius: var(--_radius);
        padding: 8px;
        overflow-x: auto;
        --_rule: var(--kimi-table-border, var(--_border));
      }
      :host([hidden]) {
        display: none;
      }
      table {
        border-collapse: collapse;
        width: 100%;
        font-size: 0.85rem;
        font-variant-numeric: tabular-nums;
      }
      caption {
        caption-side: bottom;
        text-align: left;
        color: var(--_muted);
        padding-top: 4px;
      }
      th,
      td {
        padding: 4px 8px;
        border-bottom: 1px solid var(--_rule);
        text-align: right;
        white-space: nowrap;
      }
      th:first-child,
      td:first-child {
        text-align: left;
      }
      tbody th {
        font-weight: 400;
        max-width: 22ch;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      th button {
        font: inherit;
        font-weight: 600;
        color: var(--kimi-table-header, var(--_muted));
        background: none;
        border: 0;
        padding: 0;
        cursor: pointer;
      }
      th button:focus-visible,
      .toolbar button:focus-visible {
        outline: 2px solid var(--_accent);
        outline-offset: 2px;
      }
      .errors {
        color: var(--kimi-table-error, var(--_critical));
        font-weight: 600;
      }
      .toolbar {
        display: flex;
        gap: 6px;
        justify-content: flex-end;
        margin-bottom: 4px;
      }
      .toolbar button {
        font: inherit;
        font-size: 0.8rem;
        color: var(--_text);
        background: var(--_surface);
        border: 1px solid var(--_border);
        border-radius: 4px;
        padding: 2px 8px;
        cursor: pointer;
      }
    `,
  ];

  /** Registers `<kimi-model-table>`; warns instead of throwing when another copy already did. */
  static define(tag = 'kimi-model-table'): void {
    defineElement(tag, this);
  }

  /** Accessible name of the table. */
  @property() label = 'Requests per model';

  /** `model` (default): one row per model; `session`: one row per session. */
  @property({ attribute: 'group-by' }) groupBy: 'model' | 'session' = 'model';

  /** Seconds of requests summarized, ending now (sliding); 0 keeps every request held. Default 3600. */
  @property({ attribute: 'time-window' })
  @numberOption({ fallback: 3600, min: 0, max: 10 * 365 * 86_400 })
  timeWindow: number = 3600;

  /** The column sorted by (`cost`, `requests`, `ttftP95`, …; default `cost`). */
  @property() sort: ModelTableColumn = 'cost';

  /** `descending` (default) or `ascending`. */
  @property({ attribute: 'sort-direction' }) sortDirection: 'ascending' | 'descending' = 'descending';

  /** The rows shown, in order (recomputed once per render). */
  rows: GroupSummary[] = [];

  protected readonly link = this.linkRequests();

  protected get windowMs(): number {
    return this.timeWindow * 1000;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed);
    if (changed.has('sort') && !COLUMN_KEYS.has(this.sort)) reportInvalidOption(this, 'sort', this.sort, [...COLUMN_KEYS].join(', '), 'cost');
    const by = this.groupBy === 'session' ? 'session' : 'model';
    const rows = summarize(this.ledger.entries(Date.now()), this.priceTable, by, this.modelOfSession);
    const column = COLUMN_KEYS.has(this.sort) ? this.sort : 'cost';
    const sign = this.sortDirection === 'ascending' ? 1 : -1;
    rows.sort((a, b) => {
      const x = valueOf(a, column);
      const y = valueOf(b, column);
      if (x === y) return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * sign;
    });
    this.rows = rows;
  }

  private sortBy(column: ModelTableColumn): void {
    if (this.sort === column) this.sortDirection = this.sortDirection === 'ascending' ? 'descending' : 'ascending';
    else {
      this.sort = column;
      this.sortDirection = column === 'key' ? 'ascending' : 'descending';
    }
  }

  private cost(row: GroupSummary): string {
    const c = row.cost;
    if (c.usd === null) return 'No price';
    const text = formatUsd(c.usd, this.locale);
    return `${c.estimated ? '≈ ' : ''}${text}${c.unpriced ? ` (+${c.unpriced} unpriced)` : ''}`;
  }

  protected override render() {
    const locale = this.locale;
    const rows = this.rows;
    const column = COLUMN_KEYS.has(this.sort) ? this.sort : 'cost';
    const latency = rows.some((r) => r.ttftP50 !== null || r.durationP50 !== null);
    const requests = rows.reduce((n, r) => n + r.requests, 0);
    const caption = [
      `${requests} ${requests === 1 ? 'request' : 'requests'}${this.timeWindow > 0 ? ` in the last ${formatDuration(this.timeWindow * 1000, locale)}` : ''}`,
      rows.length && !latency ? 'no latency data (the server sends no request timings)' : '',
      rows.some((r) => r.cost.estimated) ? '≈ estimated token counts' : '',
      this.refused ? `${this.refused} not counted (max-requests reached)` : '',
    ].filter(Boolean);
    const n = (v: number) => formatNumber(v, locale);
    return html`
      <div class="toolbar" part="toolbar">
        <button type="button" part="export-button" @click=${() => this.download('csv')} aria-label="Export the requests as CSV">CSV</button>
        <button type="button" part="export-button" @click=${() => this.download('json')} aria-label="Export the requests as JSON">JSON</button>
      </div>
      <table part="table" class="data" aria-label=${this.label}>
        <caption part="caption">
          ${caption.join(' · ')}
        </caption>
        <thead>
          <tr>
            ${COLUMNS.map(([key, title]) => {
              const label = key === 'key' && this.groupBy === 'session' ? 'Session' : title;
              const sorted = key === column ? this.sortDirection : 'none';
              return html`<th scope="col" aria-sort=${sorted}>
                <button type="button" part="header" @click=${() => this.sortBy(key)}>
                  ${label}${sorted === 'none' ? '' : sorted === 'ascending' ? ' ▲' : ' ▼'}
                </button>
              </th>`;
            })}
          </tr>
        </thead>
        <tbody>
          ${
            rows.length
              ? rows.map(
                  (r) =>
                    html`<tr part="row">
                      <th scope="row" title=${capText(r.key, 200)}>${capText(r.key, 120)}</th>
                      <td>${n(r.requests)}</td>
                      <td class=${r.errors ? 'errors' : ''}>${n(r.errors)}</td>
                      <td>${n(r.promptTokens)}</td>
                      <td>${n(r.completionTokens)}</td>
                      <td>${n(r.cachedTokens)}</td>
                      <td>${this.cost(r)}</td>
                      <td>${formatMs(r.ttftP50)}</td>
                      <td>${formatMs(r.ttftP95)}</td>
                      <td>${formatMs(r.durationP50)}</td>
                      <td>${formatMs(r.durationP95)}</td>
                    </tr>`,
                )
              : html`<tr>
                  <td colspan=${COLUMNS.length}>${this.dataStatus === 'not-found' ? 'Session not found' : 'No requests yet'}</td>
                </tr>`
          }
        </tbody>
      </table>
      ${this.renderNotice()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kimi-model-table': KimiModelTable;
  }
}
