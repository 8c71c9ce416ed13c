// `node scripts/check-layers.mjs`: the layer rules of src/ (STYLE.md 23), checked over the import graph,
// type imports and re-exports included (TypeScript's own pre-processor reads each file's imports).
// Exits 1 and names every broken rule:
// - `protocol/` is pure: it imports nothing outside itself, no package either (the relay on workerd and
//   the tap import it);
// - no import circles;
// - `internal/` and `connection/` (the layers below the elements) import no element, no component
//   module at all, and dispatch no DOM event: from `events/` they take types only;
// - `events/` imports no element (types of `protocol/` and `connection/` are fine);
// - `components/shared/` (code the elements share) imports no element.
// `node scripts/check-layers.mjs --graph` prints the graph instead.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every .ts file under `dir`, as paths relative to src/ with forward slashes. */
function filesUnder(src, dir = src) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(src, path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(relative(src, path).split('\\').join('/'));
  }
  return out;
}

/**
 * The imports of one file: `{ spec, target, typeOnly }`, `target` being the file under src/ it names
 * (null for a package). `typeOnly` when the whole declaration is `import type`/`export type`.
 */
function importsOf(src, file, text) {
  const info = ts.preProcessFile(text, true, true);
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const typeOnly = new Set();
  for (const statement of sourceFile.statements) {
    const spec = statement.moduleSpecifier;
    if (!spec || !ts.isStringLiteral(spec)) continue;
    const onlyTypes = ts.isImportDeclaration(statement)
      ? statement.importClause?.isTypeOnly ||
        (statement.importClause &&
          !statement.importClause.name &&
          statement.importClause.namedBindings &&
          ts.isNamedImports(statement.importClause.namedBindings) &&
          statement.importClause.namedBindings.elements.length > 0 &&
          statement.importClause.namedBindings.elements.every((e) => e.isTypeOnly))
      : ts.isExportDeclaration(statement) &&
        (statement.isTypeOnly ||
          (statement.exportClause &&
            ts.isNamedExports(statement.exportClause) &&
            statement.exportClause.elements.length > 0 &&
            statement.exportClause.elements.every((e) => e.isTypeOnly)));
    if (onlyTypes) typeOnly.add(spec.text);
  }
  return info.importedFiles.map(({ fileName: spec }) => {
    let target = null;
    if (spec.startsWith('.'))
      target = relative(src, resolve(join(src, dirname(file)), spec.replace(/\.js$/, '.ts')))
        .split('\\')
        .join('/');
    return { spec, target, typeOnly: typeOnly.has(spec) };
  });
}

/** A module that defines a custom element (a class extending LitElement or HTMLElement, or one of ours). */
const definesElement = (text) => /\bclass\s+\w+\s+extends\s+(LitElement|HTMLElement|KimiDashboardElement|\w*Element\b)/.test(text);

/** Checks the tree at `src` (src/ of this project by default); returns its files, import graph and broken rules. */
export function checkLayers(src = join(root, 'src')) {
  const files = filesUnder(src);
  const texts = new Map(files.map((f) => [f, readFileSync(join(src, f), 'utf8')]));
  const graph = new Map(files.map((f) => [f, importsOf(src, f, texts.get(f))]));
  const elements = new Set(files.filter((f) => f.startsWith('components/') && definesElement(texts.get(f))));
  const problems = [];
  const layer = (f) => f.split('/')[0];

  for (const [file, imports] of graph) {
    const text = texts.get(file);
    for (const { spec, target, typeOnly } of imports) {
      if (target !== null && !texts.has(target)) problems.push(`${file}: imports ${spec}, which is not a file of src/`);
      if (layer(file) === 'protocol' && (target === null || layer(target) !== 'protocol'))
        problems.push(`${file}: protocol/ imports nothing outside itself, but it imports ${spec}`);
      if (target === null) continue;
      if ((layer(file) === 'internal' || layer(file) === 'connection') && layer(target) === 'components')
        problems.push(`${file}: ${layer(file)}/ imports no element or component module, but it imports ${spec}`);
      if ((layer(file) === 'internal' || layer(file) === 'connection') && layer(target) === 'events' && !typeOnly)
        problems.push(`${file}: ${layer(file)}/ dispatches no event, so it takes types only from events/, but it imports ${spec} at run time`);
      if (layer(file) === 'events' && elements.has(target)) problems.push(`${file}: events/ imports no element, but it imports ${spec}`);
      if (file.startsWith('components/shared/') && target.startsWith('components/') && !target.startsWith('components/shared/'))
        problems.push(`${file}: shared code imports no element (nothing outside components/shared/), but it imports ${spec}`);
    }
    if ((layer(file) === 'internal' || layer(file) === 'connection' || layer(file) === 'protocol') && /\.dispatchEvent\s*\(/.test(text))
      problems.push(`${file}: ${layer(file)}/ dispatches no DOM event, but it calls dispatchEvent`);
  }

  // Circles: depth-first search over every import (types included); each circle is named once.
  const state = new Map();
  const stack = [];
  const seen = new Set();
  const visit = (file) => {
    state.set(file, 'open');
    stack.push(file);
    for (const { target } of graph.get(file) ?? []) {
      if (target === null || !graph.has(target)) continue;
      if (state.get(target) === 'open') {
        const circle = stack.slice(stack.indexOf(target));
        const key = [...circle].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          problems.push(`import circle: ${[...circle, target].join(' → ')}`);
        }
      } else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return { files, graph, problems };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { files, graph, problems } = checkLayers();
  if (process.argv.includes('--graph')) {
    for (const [file, imports] of graph) console.log(`${file}: ${imports.map((i) => (i.typeOnly ? `type ${i.spec}` : i.spec)).join(', ')}`);
  } else if (problems.length) {
    console.error(`layers: ${problems.length} broken rule(s) in src/ (STYLE.md 23):`);
    for (const problem of problems) console.error(`  ${problem}`);
    process.exitCode = 1;
  } else console.log(`layers: ${files.length} files of src/, every layer rule holds`);
}
