// Which source files the script-tag bundles' bytes come from: `node scripts/size-report.mjs [--all] [bundle…]`
// (after `npm run build`; default bundles: dist/cdn/kimi-realtime-core.esm.js and dist/cdn/kimi-realtime.esm.js).
//
// Reads each bundle's source map, gives every minified character to the source file of the mapping segment it
// falls in (characters before the first segment go to "(unmapped)"; the lines of a multi-line template literal
// carry no segment and go to the file of the segment before them), and
// prints per source file: minified bytes, the gzip size of that file's segments concatenated and compressed alone,
// and that gzip size scaled so that the column adds up to the real min+gzip size of the bundle.
// An approximation: gzip's window spans files (a name used by two files is cheaper in the bundle than in
// either alone), so a file's figure says what it weighs roughly, not what deleting it would save exactly;
// measure a change with `node scripts/size.mjs`. Sources are tsc's output in dist/ (one per src/ file) and the
// dependencies' files in node_modules; a line per folder sums them (--all lists every file, not only the top 40).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Map([...B64].map((c, i) => [c, i]));

/** Decodes one line of a source map's `mappings`: [generated column, source index] per segment. */
function decodeLine(text, state) {
  const segments = [];
  let column = 0;
  for (const segment of text.split(',')) {
    if (!segment) continue;
    const values = [];
    let value = 0;
    let shift = 0;
    for (const c of segment) {
      const digit = B64_VALUE.get(c);
      value += (digit & 31) << shift;
      if (digit & 32) shift += 5;
      else {
        values.push(value & 1 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
    }
    column += values[0];
    if (values.length > 1) state.source += values[1];
    segments.push([column, values.length > 1 ? state.source : -1]);
  }
  return segments;
}

/** Minified characters per source, from a bundle and its map. */
export function attribute(bundlePath) {
  const code = readFileSync(bundlePath, 'utf8');
  const map = JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8'));
  const parts = new Map();
  const add = (name, text) => {
    if (!text) return;
    const list = parts.get(name) ?? [];
    list.push(text);
    parts.set(name, list);
  };
  const lines = code.split('\n');
  const mappingLines = map.mappings.split(';');
  const state = { source: 0 };
  let owner = -1; // a line without segments (inside a multi-line template literal) continues the last one
  lines.forEach((line, i) => {
    const segments = mappingLines[i] ? decodeLine(mappingLines[i], state) : [];
    let start = 0;
    for (const [column, source] of segments) {
      add(owner < 0 ? '(unmapped)' : map.sources[owner], line.slice(start, column));
      start = column;
      owner = source;
    }
    add(owner < 0 ? '(unmapped)' : map.sources[owner], line.slice(start) + '\n');
  });
  const total = gzipSync(code, { level: 9 }).length;
  const rows = [...parts].map(([source, list]) => {
    const text = list.join('');
    return { source: source.replace(/^(\.\.\/)+/, ''), min: Buffer.byteLength(text), gzip: gzipSync(text, { level: 9 }).length };
  });
  const sum = rows.reduce((s, r) => s + r.gzip, 0);
  for (const r of rows) r.share = (r.gzip * total) / sum;
  return { total, min: Buffer.byteLength(code), rows: rows.sort((a, b) => b.share - a.share) };
}

const folder = (source) =>
  source.startsWith('node_modules/')
    ? source
        .split('/')
        .slice(0, source.split('/')[1].startsWith('@') ? 3 : 2)
        .join('/')
    : source.split('/').slice(0, -1).join('/') || source;

const kb = (n) => (n / 1024).toFixed(2).padStart(6);

if (import.meta.url === `file://${process.argv[1]}`) {
  const all = process.argv.includes('--all');
  const named = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const bundles = named.length ? named : ['dist/cdn/kimi-realtime-core.esm.js', 'dist/cdn/kimi-realtime.esm.js'];
  for (const bundle of bundles) {
    const { total, min, rows } = attribute(bundle);
    console.log(`\n${bundle}: ${kb(min)} KB min, ${kb(total)} KB min+gzip`);
    console.log(`   min KB  gzip alone  scaled KB  source`);
    for (const r of all ? rows : rows.slice(0, 40)) console.log(`  ${kb(r.min)}  ${kb(r.gzip)}      ${kb(r.share)}     ${r.source}`);
    if (!all && rows.length > 40) console.log(`  … ${rows.length - 40} more (--all)`);
    const folders = new Map();
    for (const r of rows) {
      const f = folder(r.source);
      const acc = folders.get(f) ?? { min: 0, share: 0 };
      acc.min += r.min;
      acc.share += r.share;
      folders.set(f, acc);
    }
    console.log(`  by folder (scaled KB):`);
    for (const [f, acc] of [...folders].sort((a, b) => b[1].share - a[1].share)) console.log(`  ${kb(acc.min)}              ${kb(acc.share)}     ${f}`);
  }
}
