import { css } from 'lit';

export const metricChartStyles = css`
  :host {
    display: block;
    background: var(--_surface);
    border-radius: var(--_radius);
    padding: 8px;
    --_line: var(--kimi-chart-line, var(--_accent));
    --_line-2: var(--kimi-chart-line-2, #8250df);
    --_line-3: var(--kimi-chart-line-3, #1b7c83);
    --_line-4: var(--kimi-chart-line-4, #bf3989);
    --_grid: var(--kimi-chart-grid, var(--_border));
    --_axis: var(--kimi-chart-axis, var(--_muted));
    --_axis-text: var(--kimi-chart-text, var(--_muted));
    --_th-caution: var(--kimi-chart-caution, var(--_caution));
    --_th-warning: var(--kimi-chart-warning, var(--_warning));
    --_th-critical: var(--kimi-chart-critical, var(--_critical));
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_line-2: var(--kimi-chart-line-2, #ab7df8);
      --_line-3: var(--kimi-chart-line-3, #39c5cf);
      --_line-4: var(--kimi-chart-line-4, #db61a2);
    }
  }
  :host([hidden]) {
    display: none;
  }
  .frame {
    position: relative;
  }
  .plot {
    position: relative;
    height: var(--kimi-chart-height, 220px);
    border-radius: 4px;
    outline: none;
    touch-action: pan-y;
  }
  .plot:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  canvas {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    display: block;
  }
  .crosshair,
  .marker {
    position: absolute;
    left: 0;
    top: 0;
    pointer-events: none;
  }
  .crosshair {
    width: 1px;
    background: var(--_axis);
  }
  .marker {
    width: 9px;
    height: 9px;
    margin: -5px 0 0 -5px;
    border-radius: 50%;
    background: var(--_line);
    border: 1px solid var(--_surface);
  }
  .readout {
    position: absolute;
    pointer-events: none;
    display: none;
    gap: 1px;
    padding: 4px 8px;
    background: var(--_surface);
    color: var(--_text);
    border: 1px solid var(--_border);
    border-radius: 6px;
    box-shadow: 0 2px 6px rgb(0 0 0 / 0.15);
    font-size: 12px;
    line-height: 1.35;
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  .readout.active {
    display: grid;
  }
  .readout .source {
    color: var(--_muted);
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 16px;
    margin: 6px 0 0;
    padding: 0;
    list-style: none;
    font-size: 12px;
    color: var(--_muted);
  }
  .swatch {
    display: inline-block;
    width: 16px;
    margin-right: 6px;
    vertical-align: middle;
    border-top: 2px solid currentColor;
  }
  .swatch.line-1 {
    color: var(--_line);
  }
  .swatch.line-2 {
    color: var(--_line-2);
    border-top-style: dashed;
  }
  .swatch.line-3 {
    color: var(--_line-3);
    border-top-style: dotted;
  }
  .swatch.line-4 {
    color: var(--_line-4);
    border-top-style: dashed;
  }
  .swatch.caution {
    color: var(--_th-caution);
  }
  .swatch.warning {
    color: var(--_th-warning);
  }
  .swatch.critical {
    color: var(--_th-critical);
  }
  .swatch.dashed {
    border-top-style: dashed;
  }
`;
