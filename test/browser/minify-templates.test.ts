// The script-tag bundles' template minifier (scripts/minify-templates.mjs) changes no style: every element's
// stylesheet, minified as the bundles have it, parses to the same rules as written.
import { expect } from '@open-wc/testing';
import type { CSSResultGroup, CSSResultOrNative } from 'lit';
import { minifyCss } from '../../scripts/minify-templates.mjs';
import { KimiAlertFeed, KimiConnectionStatus, KimiContextGauge, KimiCostMeter, KimiMetricChart, KimiModelTable, KimiRealtime } from '../../src/index.js';

const flat = (group: CSSResultGroup | undefined): CSSResultOrNative[] =>
  group === undefined ? [] : Array.isArray(group) ? group.flatMap((g) => flat(g as CSSResultGroup)) : [group as CSSResultOrNative];

/** The rules a stylesheet parses to, as the browser serializes them. */
function rules(text: string): string[] {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(text);
  return [...sheet.cssRules].map((r) => r.cssText);
}

describe('template minifier of the script-tag bundles', () => {
  const classes = { KimiRealtime, KimiContextGauge, KimiMetricChart, KimiAlertFeed, KimiConnectionStatus, KimiCostMeter, KimiModelTable };
  for (const [name, cls] of Object.entries(classes)) {
    it(`${name}: its styles parse to the same rules minified`, () => {
      const sheets = flat(cls.styles).map((s) => ('cssText' in s ? s.cssText : ''));
      expect(sheets.length).to.be.above(0);
      for (const text of sheets) {
        const minified = minifyCss(text);
        expect(minified.length, 'smaller').to.be.below(text.length);
        expect(rules(minified)).to.deep.equal(rules(text));
      }
    });
  }

  it('keeps what white space means in CSS: a space before a colon, quoted strings', () => {
    expect(rules(minifyCss('a :hover { content: "a  b" }'))).to.deep.equal(rules('a :hover { content: "a  b" }'));
    expect(minifyCss('a :hover {\n  color: red;\n}')).to.equal('a :hover{color:red}');
  });
});
