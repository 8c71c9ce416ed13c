import { css } from 'lit';

/** State colours come from `data-state` classes, not `style` attributes, so a strict CSP is fine. */
export const connectionStatusStyles = css`
  :host {
    display: block;
    font-size: 0.875rem;
    --_st-open: var(--kimi-connection-status-open, var(--_ok));
    --_st-connecting: var(--kimi-connection-status-connecting, var(--_accent));
    --_st-reconnecting: var(--kimi-connection-status-reconnecting, var(--_warning));
    --_st-offline: var(--kimi-connection-status-offline, var(--_critical));
    --_st-closed: var(--kimi-connection-status-closed, var(--_muted));
  }
  :host([compact]) {
    display: inline-block;
  }
  :host([hidden]) {
    display: none;
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 10px;
  }
  [part='badge'] {
    --_state: var(--_st-closed);
    display: inline-flex;
    align-items: center;
    gap: 6px;
    padding: 2px 10px;
    border: 1px solid var(--_state);
    border-radius: 999px;
    background: var(--_surface);
    color: var(--_state);
    font-weight: 650;
    line-height: 1.4;
    white-space: nowrap;
  }
  [part='badge'][data-state='open'] {
    --_state: var(--_st-open);
  }
  [part='badge'][data-state='connecting'] {
    --_state: var(--_st-connecting);
  }
  [part='badge'][data-state='reconnecting'] {
    --_state: var(--_st-reconnecting);
  }
  [part='badge'][data-state='offline'] {
    --_state: var(--_st-offline);
  }
  .dot {
    inline-size: 8px;
    block-size: 8px;
    border-radius: 50%;
    background: var(--_state);
  }
  /* Hollow when not connected: the shape differs as well as the colour and the words. */
  [part='badge']:not([data-state='open']) .dot {
    background: transparent;
    box-shadow: inset 0 0 0 2px var(--_state);
  }
  [part='countdown'] {
    color: var(--_muted);
    font-variant-numeric: tabular-nums;
  }
  [part='stats'] {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 2px 12px;
    margin: 8px 0 0;
    padding: 8px 10px;
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    font-size: 0.8rem;
  }
  dt {
    color: var(--_muted);
  }
  dd {
    margin: 0;
    text-align: end;
    font-variant-numeric: tabular-nums;
    overflow-wrap: anywhere;
  }
  [part='rate'] {
    display: block;
    inline-size: 100%;
    block-size: 28px;
    margin-block-start: 2px;
  }
  .rate-line {
    fill: none;
    stroke: var(--kimi-connection-status-rate, var(--_accent));
    stroke-width: 1.5;
    vector-effect: non-scaling-stroke;
  }
  .drops {
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .notice {
    margin: 4px 0 0;
    font-size: 0.85rem;
  }
`;
