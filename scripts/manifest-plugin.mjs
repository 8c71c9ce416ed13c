// Analyzer plugin: turns what the analyzer reads from src/ into the manifest a package user needs.
// The analyzer alone describes the TypeScript sources; this fixes, from the TypeScript program itself
// (so a new property, event or token flows in without editing this file):
// - module paths and references point at the shipped dist/**/*.js (each with its .d.ts beside it);
// - a `custom-element-definition` export for every tag, in the module that registers it
//   (dist/define.js, dist/define-core.js), and none for the generic guard in define-element.ts;
// - every attribute and public field typed, defaults as literal values (constants are evaluated,
//   accessors take their backing field's initial value);
// - every event an element fires, with `type` naming its `detail` type (the convention the
//   framework type generators read: they emit `CustomEvent<type>`), from the typed event map;
//   an element that relays `kimi:message` fires every server event of the map;
// - the shared theme tokens (`--kimi-color-*`, `--kimi-radius`, `--kimi-font*`) on every element
//   that reads them.
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import ts from 'typescript';

const ROOT = process.cwd();
const THEME_MODULE = 'src/components/shared/theme.ts';
const EVENT_MAP_MODULE = 'src/events/event-map.ts';
const INDEX_MODULE = 'src/index.ts';

/** What each shared token is for; a token found in theme.ts but missing here fails the analysis. */
const TOKEN_PURPOSE = {
  '--kimi-color-surface': 'Background of the element.',
  '--kimi-color-text': 'Main text colour.',
  '--kimi-color-muted': 'Secondary text: labels, ticks, times.',
  '--kimi-color-border': 'Borders, tracks and grid lines.',
  '--kimi-color-accent': 'Accent: the chart line, informational items.',
  '--kimi-color-ok': 'Below the first threshold; the open connection.',
  '--kimi-color-caution': 'Context at 80 % or more.',
  '--kimi-color-warning': 'Context at 90 % or more; context warnings.',
  '--kimi-color-critical': 'Context at 95 % or more; errors.',
  '--kimi-radius': 'Corner radius.',
  '--kimi-font': 'Font family of the text.',
  '--kimi-font-mono': 'Font family of figures and code.',
};

/** `src/a/b.ts` (or `./b.js` relative to `from`) → `dist/a/b.js`. */
export function shippedPath(ref, from) {
  let p = ref.replace(/^\/+/, '');
  if (ref.startsWith('.') && from) p = posix.normalize(posix.join(posix.dirname(from), ref));
  if (p.startsWith('src/')) p = `dist/${p.slice(4)}`;
  return p.replace(/\.ts$/, '.js');
}

function program() {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  return ts.createProgram({ rootNames: config.fileNames, options: { ...config.options, noEmit: true } });
}

function unwrap(node) {
  while (node && (ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isParenthesizedExpression(node) || ts.isTypeAssertionExpression?.(node)))
    node = node.expression;
  return node;
}

const UNKNOWN = Symbol('unknown');

/** Value of a constant expression: literals, objects of them, and names or property paths leading to them. */
function evaluate(node, checker, depth = 0) {
  node = unwrap(node);
  if (!node || depth > 20) return UNKNOWN;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (node.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken) {
    const v = evaluate(node.operand, checker, depth + 1);
    return typeof v === 'number' ? -v : UNKNOWN;
  }
  if (ts.isArrayLiteralExpression(node)) {
    const values = node.elements.map((e) => evaluate(e, checker, depth + 1));
    return values.includes(UNKNOWN) ? UNKNOWN : values;
  }
  if (ts.isObjectLiteralExpression(node)) {
    const out = {};
    for (const p of node.properties) {
      if (!ts.isPropertyAssignment(p) || !p.name || ts.isComputedPropertyName(p.name)) return UNKNOWN;
      const v = evaluate(p.initializer, checker, depth + 1);
      if (v === UNKNOWN) return UNKNOWN;
      out[p.name.text] = v;
    }
    return out;
  }
  if (ts.isIdentifier(node)) {
    if (node.text === 'undefined') return undefined;
    let symbol = checker.getSymbolAtLocation(node);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const decl = symbol?.valueDeclaration;
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer && ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) {
      return evaluate(decl.initializer, checker, depth + 1);
    }
    return UNKNOWN;
  }
  if (ts.isPropertyAccessExpression(node)) {
    const object = evaluate(node.expression, checker, depth + 1);
    if (object && typeof object === 'object' && Object.hasOwn(object, node.name.text)) return object[node.name.text];
    return UNKNOWN;
  }
  return UNKNOWN;
}

/** The manifest's way of writing a default: source-like literal text. */
function literalText(value) {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value)
    .replace(/"([A-Za-z_$][\w$]*)":/g, '$1: ')
    .replace(/,(?=\S)/g, ', ');
}

function typeText(checker, type, node) {
  return checker.typeToString(type, node, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope);
}

function classDeclaration(sourceFile, name) {
  let found = null;
  ts.forEachChild(sourceFile, (n) => {
    if (ts.isClassDeclaration(n) && n.name?.text === name) found = n;
  });
  return found;
}

function memberName(m) {
  return m.name && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) || ts.isPrivateIdentifier(m.name)) ? m.name.text : null;
}

/** Types exported from src/index.ts, by type identity, so a detail type is named as users import it. */
function exportedTypeNames(checker, sourceFile) {
  const names = new Map();
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  for (const exp of checker.getExportsOfModule(moduleSymbol)) {
    let symbol = exp;
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class)) {
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      if (!names.has(type)) names.set(type, exp.name);
    }
  }
  return names;
}

/** Every event of `KimiEventMap`: name → { detail: type name, description, server: boolean }. */
function eventTable(prog, checker) {
  const mapFile = prog.getSourceFile(join(ROOT, EVENT_MAP_MODULE));
  const indexFile = prog.getSourceFile(join(ROOT, INDEX_MODULE));
  const exported = exportedTypeNames(checker, indexFile);
  const mapDecl = mapFile.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === 'KimiEventMap');
  const serverMapDecl = mapFile.statements.find((s) => ts.isTypeAliasDeclaration(s) && s.name.text === 'KimiServerEventMap');
  if (!mapDecl || !serverMapDecl) throw new Error('manifest plugin: KimiEventMap or KimiServerEventMap not found in src/events/event-map.ts');
  const serverTypes = new Set(checker.getPropertiesOfType(checker.getTypeAtLocation(serverMapDecl)).map((p) => p.name));
  const table = new Map();
  for (const prop of checker.getPropertiesOfType(checker.getTypeAtLocation(mapDecl))) {
    const eventType = checker.getTypeOfSymbolAtLocation(prop, mapDecl);
    const detailSymbol = eventType.getProperty('detail');
    if (!detailSymbol) throw new Error(`manifest plugin: ${prop.name} in KimiEventMap is not a CustomEvent`);
    const detail = checker.getTypeOfSymbolAtLocation(detailSymbol, mapDecl);
    const name = exported.get(detail) ?? detail.aliasSymbol?.name ?? typeText(checker, detail, mapDecl);
    const docSymbol = detail.aliasSymbol ?? detail.symbol;
    const description = ts.displayPartsToString(docSymbol?.getDocumentationComment(checker) ?? []).split('\n')[0] ?? '';
    table.set(prop.name, { detail: name, server: serverTypes.has(prop.name), description });
  }
  return table;
}

/** The shared tokens theme.ts reads, with their light and dark defaults. */
function themeTokenTable() {
  const text = readFileSync(join(ROOT, THEME_MODULE), 'utf8');
  const tokens = new Map();
  const dark = text.indexOf('prefers-color-scheme: dark');
  for (const m of text.matchAll(/var\((--kimi-[\w-]+),\s*([^;]+?)\);/g)) {
    const [, name, fallback] = m;
    const entry = tokens.get(name) ?? { name };
    if (dark >= 0 && m.index > dark) entry.dark = fallback.trim();
    else entry.light = fallback.trim();
    tokens.set(name, entry);
  }
  for (const name of tokens.keys()) {
    if (!TOKEN_PURPOSE[name]) throw new Error(`manifest plugin: theme token ${name} has no description in scripts/manifest-plugin.mjs`);
  }
  return [...tokens.values()].map(({ name, light, dark: darkValue }) => ({
    name,
    description: `Shared theme token: ${TOKEN_PURPOSE[name]}${darkValue ? ` Default ${light} (light), ${darkValue} (dark).` : ''}`,
    default: light,
  }));
}

/** Tags each registering module (src/define*.ts) defines: `Class.define()` calls. */
function definitions(manifest) {
  const tagOf = new Map();
  for (const mod of manifest.modules) for (const d of mod.declarations ?? []) if (d.tagName) tagOf.set(d.name, { tag: d.tagName, module: mod.path });
  const out = new Map();
  for (const mod of manifest.modules) {
    if (!/^src\/define[\w-]*\.ts$/.test(mod.path)) continue;
    const text = readFileSync(join(ROOT, mod.path), 'utf8');
    const defined = [];
    for (const [, cls] of text.matchAll(/\b([A-Z]\w*)\.define\(\)/g)) {
      const found = tagOf.get(cls);
      if (!found) throw new Error(`manifest plugin: ${mod.path} defines ${cls}, which has no @tag`);
      defined.push({ kind: 'custom-element-definition', name: found.tag, declaration: { name: cls, module: found.module } });
    }
    out.set(mod.path, defined);
  }
  return out;
}

function rewritePaths(node, modulePath) {
  if (Array.isArray(node)) {
    node.forEach((n) => rewritePaths(n, modulePath));
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'module' && typeof value === 'string') node[key] = shippedPath(value, modulePath);
    else rewritePaths(value, modulePath);
  }
}

export function kimiManifestPlugin() {
  return {
    name: 'kimi-realtime package manifest',
    packageLinkPhase({ customElementsManifest: manifest }) {
      const prog = program();
      const checker = prog.getTypeChecker();
      const events = eventTable(prog, checker);
      const tokens = themeTokenTable();
      const defs = definitions(manifest);

      for (const mod of manifest.modules) {
        // The generic guard's `customElements.define(tag, ctor)` is no definition of a tag.
        mod.exports = (mod.exports ?? []).filter((e) => e.kind !== 'custom-element-definition');
        mod.exports.push(...(defs.get(mod.path) ?? []));
        const sourceFile = prog.getSourceFile(join(ROOT, mod.path));
        const sourceText = sourceFile?.getFullText() ?? '';

        // The guard's anonymous subclass (`define(tag, class extends ctor {})`) is no element of its own.
        mod.declarations = (mod.declarations ?? []).filter((d) => !(d.kind === 'class' && d.tagName && !/^[a-z][a-z0-9._]*-[a-z0-9._-]*$/.test(d.tagName)));
        for (const decl of mod.declarations) {
          if (decl.kind !== 'class' || !sourceFile) continue;
          const cls = classDeclaration(sourceFile, decl.name);
          if (!cls) continue;
          const classType = checker.getTypeAtLocation(cls);
          const initializers = new Map();
          for (const m of cls.members) {
            const name = memberName(m);
            if (name && ts.isPropertyDeclaration(m) && m.initializer) initializers.set(name, m.initializer);
          }
          // An accessor with no backing field states its default in its JSDoc (`@default null`).
          const documentedDefaults = new Map();
          for (const m of cls.members) {
            const tag = ts.getJSDocTags(m).find((t) => t.tagName.text === 'default');
            const text = typeof tag?.comment === 'string' ? tag.comment.trim() : null;
            if (text && memberName(m)) documentedDefaults.set(memberName(m), evaluate(ts.parseJsonText('d.json', text).statements[0]?.expression, checker));
          }
          const defaultOf = (name) => {
            const init = initializers.get(name) ?? initializers.get(`_${name}`);
            if (init) return evaluate(init, checker);
            return documentedDefaults.has(name) ? documentedDefaults.get(name) : UNKNOWN;
          };
          const typeOf = (name) => {
            const symbol = classType.getProperty(name);
            return symbol ? typeText(checker, checker.getTypeOfSymbolAtLocation(symbol, cls), cls) : undefined;
          };
          // The analyzer takes `this.a.b = …` in a method for a field `b` of the class; keep real members only.
          decl.members = (decl.members ?? []).filter((m) => m.static || m.privacy === 'private' || m.privacy === 'protected' || classType.getProperty(m.name));
          for (const member of decl.members) {
            if (member.kind !== 'field' || member.static) continue;
            const value = defaultOf(member.name);
            if (value !== UNKNOWN) member.default = literalText(value);
            else if (member.default && /^[A-Za-z_$][\w$.]*$/.test(member.default) && !/^(true|false|null|undefined)$/.test(member.default))
              delete member.default;
            if (!member.type?.text && member.privacy !== 'private') {
              const text = typeOf(member.name);
              if (text) member.type = { text };
            }
          }
          for (const attr of decl.attributes ?? []) {
            if (!attr.fieldName) continue;
            const field = decl.members?.find((m) => m.name === attr.fieldName);
            if (field?.default !== undefined) attr.default = field.default;
            else delete attr.default;
            if (!attr.type?.text && field?.type) attr.type = { ...field.type };
          }

          if (!decl.tagName) continue;
          // Events: what the JSDoc names, typed from the event map; a relay fires every server event.
          const named = new Map((decl.events ?? []).filter((e) => e.name).map((e) => [e.name, e]));
          if (named.has('kimi:message')) {
            for (const [name, info] of events)
              if (info.server && !named.has(name)) named.set(name, { name, description: info.description || `The server sent \`${name.slice(5)}\`.` });
          }
          decl.events = [...named.values()].map((e) => {
            const info = events.get(e.name);
            if (!info) throw new Error(`manifest plugin: <${decl.tagName}> fires ${e.name}, which is not in KimiEventMap (src/events/event-map.ts)`);
            return { name: e.name, type: { text: info.detail }, description: e.description ?? '' };
          });
          // Shared tokens, on every element whose styles include them.
          if (/\bthemeTokens\b/.test(sourceText)) {
            const own = decl.cssProperties ?? [];
            decl.cssProperties = [...own, ...tokens.filter((t) => !own.some((o) => o.name === t.name))];
          }
        }
      }
      for (const mod of manifest.modules) {
        rewritePaths(mod, mod.path);
        mod.path = shippedPath(mod.path);
      }
    },
  };
}
