import { css } from 'lit';

/**
 * Design tokens shared by the dashboard elements. Two layers: each element reads its own
 * `--kimi-<element>-<token>` first, then these `--kimi-color-*` system tokens, then the defaults
 * below. Defaults meet WCAG AA (4.5:1 for text) on their own surface, in light and dark schemes.
 */
export const themeTokens = css`
  :host {
    --_surface: var(--kimi-color-surface, #ffffff);
    --_text: var(--kimi-color-text, #1f2328);
    --_muted: var(--kimi-color-muted, #57606a);
    --_border: var(--kimi-color-border, #d0d7de);
    --_accent: var(--kimi-color-accent, #0969da);
    --_ok: var(--kimi-color-ok, #1a7f37);
    --_caution: var(--kimi-color-caution, #9a6700);
    --_warning: var(--kimi-color-warning, #bc4c00);
    --_critical: var(--kimi-color-critical, #cf222e);
    --_radius: var(--kimi-radius, 8px);
    --_font: var(--kimi-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_mono: var(--kimi-font-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
    color-scheme: light dark;
    font-family: var(--_font);
    color: var(--_text);
  }
  /* Read by screen readers, not shown. */
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_surface: var(--kimi-color-surface, #0d1117);
      --_text: var(--kimi-color-text, #e6edf3);
      --_muted: var(--kimi-color-muted, #9198a1);
      --_border: var(--kimi-color-border, #3d444d);
      --_accent: var(--kimi-color-accent, #4493f8);
      --_ok: var(--kimi-color-ok, #3fb950);
      --_caution: var(--kimi-color-caution, #d29922);
      --_warning: var(--kimi-color-warning, #f0883e);
      --_critical: var(--kimi-color-critical, #ff7b72);
    }
  }
`;
