import { css } from 'lit';

/**
 * Level colours are set through `data-level` classes, never `style` attributes, so the element works
 * under a CSP without 'unsafe-inline'. Only text and borders take the level colour, on the plain
 * surface: the theme tokens meet AA there, a tinted background would not be guaranteed to.
 */
export const alertFeedStyles = css`
  :host {
    display: block;
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    font-size: 0.875rem;
    --_info: var(--kimi-alert-feed-info, var(--_accent));
    --_lvl-caution: var(--kimi-alert-feed-caution, var(--_caution));
    --_lvl-warning: var(--kimi-alert-feed-warning, var(--_warning));
    --_lvl-error: var(--kimi-alert-feed-error, var(--_critical));
    --_lvl-critical: var(--kimi-alert-feed-critical, var(--_critical));
  }
  :host([hidden]) {
    display: none;
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
    max-height: var(--kimi-alert-feed-max-height, none);
    overflow-y: auto;
  }
  .item {
    --_level: var(--_info);
    display: grid;
    grid-template-columns: auto minmax(0, 1fr) auto auto;
    align-items: start;
    gap: 2px 10px;
    padding: 8px 8px 8px 10px;
    border-left: 4px solid var(--_level);
    border-bottom: 1px solid var(--_border);
  }
  .item:last-child {
    border-bottom: 0;
  }
  .item[data-level='caution'] {
    --_level: var(--_lvl-caution);
  }
  .item[data-level='warning'] {
    --_level: var(--_lvl-warning);
  }
  .item[data-level='error'] {
    --_level: var(--_lvl-error);
  }
  .item[data-level='critical'] {
    --_level: var(--_lvl-critical);
  }
  .level {
    color: var(--_level);
    font-weight: 650;
    font-size: 0.75rem;
    text-transform: uppercase;
    letter-spacing: 0.02em;
    line-height: 1.5rem;
    /* Rows are separate grids: a common minimum keeps their text columns aligned. */
    min-inline-size: 6.5em;
  }
  .main {
    line-height: 1.5rem;
    overflow-wrap: anywhere;
  }
  .detail {
    display: block;
    color: var(--_muted);
    font-size: 0.8rem;
    line-height: 1.25rem;
  }
  .meta {
    display: flex;
    gap: 6px;
    align-items: baseline;
    line-height: 1.5rem;
    white-space: nowrap;
    color: var(--_muted);
    font-size: 0.8rem;
    font-variant-numeric: tabular-nums;
  }
  .count {
    color: var(--_text);
    font-weight: 650;
    border: 1px solid var(--_border);
    border-radius: 999px;
    padding: 0 6px;
    line-height: 1.25rem;
  }
  [part='dismiss'] {
    inline-size: 24px;
    block-size: 24px;
    padding: 0;
    margin: 0;
    border: 1px solid transparent;
    border-radius: 4px;
    background: transparent;
    color: var(--_muted);
    font: inherit;
    font-size: 1.1rem;
    line-height: 1;
    cursor: pointer;
  }
  [part='dismiss']:hover {
    color: var(--_text);
    border-color: var(--_border);
  }
  [part='dismiss']:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 1px;
  }
  [part='empty'] {
    margin: 0;
    padding: 12px;
    color: var(--_muted);
    text-align: center;
  }
  [part='empty']:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: -2px;
  }
`;
