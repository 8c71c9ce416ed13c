// Rollup plugin for the script-tag bundles: collapses the white space of the static parts of Lit's css``, html``
// and svg`` templates, which terser keeps as written (indentation and line breaks were 4–5 % of the full
// bundle's minified size). It changes no rendering:
// - html``/svg``: every run of white space becomes one space, outside quoted attribute values (what html-minifier's
//   conservativeCollapse, used by @lit-labs/rollup-plugin-minify-html-literals, does): the browser collapses such a
//   run to one space anyway, and no template uses <pre>, <textarea> or `white-space: pre*` (the build fails if one
//   does). Not trimmed: a template's first or last space can show, in an inline element.
// - css``: comments go, runs of white space become one space, and the spaces around `{ } ;`, before `,` and after
//   `:` go (`a :hover`, a space before a colon, stays: it means something; so does the space after a comma, which a
//   custom property's value keeps); quoted strings are kept as written. test/browser/minify-templates.test.ts
//   checks that every element's styles parse to the same rules minified.
// A template part with a backslash before white space (a line continuation) is left as it is.
import MagicString from 'magic-string';

const TAGS = new Set(['css', 'html', 'svg']);

/** Applies `change` to the parts of `text` outside quotes ("…", '…': CSS strings, attribute values). */
const outsideQuotes = (text, change) =>
  text
    .split(/("[^"]*"|'[^']*')/)
    .map((part, i) => (i % 2 ? part : change(part)))
    .join('');

export const minifyCss = (text) =>
  outsideQuotes(text, (part) =>
    part
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\s+/g, ' ')
      .replace(/ ?([{};]) ?/g, '$1')
      .replace(/ ,/g, ',')
      .replace(/: /g, ':')
      .replace(/;}/g, '}'),
  );

export const minifyHtml = (text) => outsideQuotes(text, (part) => part.replace(/\s+/g, ' '));

function walk(node, visit) {
  if (!node || typeof node.type !== 'string') return;
  visit(node);
  for (const key in node) {
    const value = node[key];
    if (Array.isArray(value)) for (const child of value) walk(child, visit);
    else if (value && typeof value.type === 'string') walk(value, visit);
  }
}

export default function minifyTemplates() {
  return {
    name: 'minify-templates',
    transform(code, id) {
      if (/[\\/]node_modules[\\/]/.test(id) || !/\b(css|html|svg) ?`/.test(code)) return null;
      const s = new MagicString(code);
      walk(this.parse(code), (node) => {
        if (node.type !== 'TaggedTemplateExpression' || node.tag.type !== 'Identifier' || !TAGS.has(node.tag.name)) return;
        const quasis = node.quasi.quasis;
        quasis.forEach((q, i) => {
          const raw = q.value.raw;
          if (/\\\s/.test(raw)) return;
          if (node.tag.name !== 'css' && /<(pre|textarea)\b|white-space:\s*pre/i.test(raw))
            throw new Error(`minify-templates: ${id} has a template whose white space matters (<pre>, <textarea>, white-space: pre)`);
          let out = node.tag.name === 'css' ? minifyCss(raw) : minifyHtml(raw);
          if (node.tag.name === 'css' && i === 0) out = out.trimStart();
          if (node.tag.name === 'css' && i === quasis.length - 1) out = out.trimEnd();
          if (out !== raw) s.overwrite(q.start, q.end, out);
        });
      });
      return s.hasChanged() ? { code: s.toString(), map: s.generateMap({ hires: true }) } : null;
    },
  };
}
