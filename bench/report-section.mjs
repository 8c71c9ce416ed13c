// Writes one benchmark's section: bench/results/<name>.md, and the same text between
// `<!-- section:<name> -->` and `<!-- /section:<name> -->` in BENCHMARKS.md (appended when absent).
// `npm run bench` rewrites BENCHMARKS.md from its own template and appends these files, so a section
// survives a full run of the other benchmarks.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Section names, in the order `npm run bench` appends them. */
export const SECTIONS = ['input-flood', 'stress', 'compression', 'tabs', 'tap', 'profile'];

export function writeSection(name, markdown) {
  const block = `<!-- section:${name} -->\n${markdown.trim()}\n<!-- /section:${name} -->\n`;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/${name}.md`, block);
  const doc = existsSync('BENCHMARKS.md') ? readFileSync('BENCHMARKS.md', 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf(`<!-- section:${name} -->`);
  const endMark = `<!-- /section:${name} -->\n`;
  const end = doc.indexOf(endMark);
  const next = start >= 0 && end > start ? doc.slice(0, start) + block + doc.slice(end + endMark.length) : `${doc.trimEnd()}\n\n${block}`;
  writeFileSync('BENCHMARKS.md', next);
}

/** The saved sections, for `npm run bench` to append after its own text. */
export function savedSections() {
  return SECTIONS.map((name) => `bench/results/${name}.md`)
    .filter(existsSync)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}
