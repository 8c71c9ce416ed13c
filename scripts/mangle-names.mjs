// Which property names terser may shorten in the script-tag bundles (rollup.config.mjs): the names of this
// library's TypeScript `private` class members, and only those no code outside a class can reach by name.
// `node scripts/mangle-names.mjs` prints them, and what was left out and why.
//
// The convention, enforced here: a name is shortened only when every declaration of it in src/ is a `private`
// member without a decorator. It is kept when it is also
// - any other member (public or protected: subclasses and pages use those), interface or type member, object
//   literal key, or a decorated member (Lit reads reactive properties by name, and maps them to attributes);
// - a string of src/ (`'name' in x`, `x['name']`, `Object.defineProperty(x, 'name')`; a string that is one name);
// - read on anything but `this` (`other.name`: it may be data, a `Record` or parsed JSON, that no type declares);
// - any word of the code of the declarations of Lit and @lit/context (their protocols are read by other copies of Lit on the
//   page: `callback`, `context`, `subscribe`…) or of TypeScript's DOM and ES libraries (terser also keeps DOM
//   names, by its own list).
// `#private` members need none of this: terser shortens them anyway. The check at the end fails the build when
// a name to shorten is public API: declared other than `private` in the declarations (dist/**/*.d.ts) or named
// in custom-elements.json (a member not private there, or an attribute's field).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const files = (dir, ending) =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(ending))
    .map((e) => join(e.parentPath, e.name));

const WORD = /[A-Za-z_$][\w$]*/g;
const wordsOf = (text) => text.match(WORD) ?? [];

/** The names to shorten, and the candidates kept with the reason. */
export function mangleNames(root = '.') {
  const candidates = new Set();
  const kept = new Map();
  const keep = (name, why) => kept.has(name) || kept.set(name, why);
  const hasModifier = (node, kind) => ts.getModifiers?.(node)?.some((m) => m.kind === kind) ?? false;
  const decorated = (node) => (ts.getDecorators?.(node) ?? []).length > 0;

  for (const file of files(join(root, 'src'), '.ts')) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node) => {
      if (ts.isStringLiteralLike(node) && /^[A-Za-z_$][\w$]*$/.test(node.text)) keep(node.text, 'a string');
      if (node.name && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))) {
        const name = node.name.text;
        const classMember =
          (ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) &&
          ts.isClassLike(node.parent);
        const parameterProperty = ts.isParameter(node) && ts.isConstructorDeclaration(node.parent) && (ts.getModifiers?.(node)?.length ?? 0) > 0;
        if (classMember || parameterProperty) {
          if (hasModifier(node, ts.SyntaxKind.PrivateKeyword) && !decorated(node)) candidates.add(name);
          else keep(name, decorated(node) ? 'decorated' : 'a public or protected member');
        } else if (
          ts.isPropertySignature(node) ||
          ts.isMethodSignature(node) ||
          ts.isPropertyAssignment(node) ||
          ts.isMethodDeclaration(node) ||
          ts.isGetAccessorDeclaration(node) ||
          ts.isSetAccessorDeclaration(node) ||
          ts.isEnumMember(node)
        )
          keep(name, 'an interface member or object key');
      }
      if (ts.isShorthandPropertyAssignment(node)) keep(node.name.text, 'an object key');
      // `x.name` on anything but `this` may read data (a `Record`, parsed JSON) that no declaration names.
      if (ts.isPropertyAccessExpression(node) && node.expression.kind !== ts.SyntaxKind.ThisKeyword) keep(node.name.text, 'read on something else than this');
      if (ts.isBindingElement(node)) keep((node.propertyName ?? node.name).getText(), 'destructured');
      ts.forEachChild(node, visit);
    };
    visit(source);
  }

  const libraries = [
    ...['lit', 'lit-html', 'lit-element', '@lit/reactive-element', '@lit/context']
      .map((p) => join(root, 'node_modules', p))
      .filter(existsSync)
      .flatMap((dir) => files(dir, '.d.ts')),
    ...files(join(root, 'node_modules/typescript/lib'), '.d.ts').filter((f) => /lib\.(dom|es\w*|webworker)\b/.test(f)),
  ];
  // Words of their code, not of their comments (a comment's "log" or "queue" is no property).
  const code = (text) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  for (const file of libraries) for (const w of wordsOf(code(readFileSync(file, 'utf8')))) keep(w, 'a word of Lit or of the DOM/ES libraries');

  const names = [...candidates].filter((n) => !kept.has(n)).sort();
  return { names, kept: [...candidates].filter((n) => kept.has(n)).map((n) => [n, kept.get(n)]) };
}

/** Throws when a name to shorten is public: declared other than `private` in dist/**\/*.d.ts, or in the manifest. */
export function checkNotPublic(names, root = '.') {
  const set = new Set(names);
  const leaks = new Set();
  for (const file of files(join(root, 'dist'), '.d.ts')) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^\s*(?:(?:public|protected|static|readonly|get|set|abstract|override|declare)\s+)*([A-Za-z_$][\w$]*)\s*[?!]?\s*[:(<=;]/.exec(line);
      if (m && set.has(m[1]) && !/^\s*(?:static\s+)?private\b/.test(line)) leaks.add(`${m[1]} (${file}: ${line.trim()})`);
    }
  }
  const manifest = join(root, 'custom-elements.json');
  if (existsSync(manifest)) {
    const walk = (node) => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      for (const name of [node.name, node.fieldName])
        if (typeof name === 'string' && set.has(name) && node.privacy !== 'private') leaks.add(`${name} (custom-elements.json)`);
      for (const [key, value] of Object.entries(node)) if (key !== 'parameters') walk(value); // a parameter's name is no property
    };
    walk(JSON.parse(readFileSync(manifest, 'utf8')));
  }
  if (leaks.size) throw new Error(`mangle-names: names to shorten are public API: ${[...leaks].join('; ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { names, kept } = mangleNames();
  checkNotPublic(names);
  console.log(`${names.length} names shortened: ${names.join(' ')}`);
  console.log(`${kept.length} private names kept:`);
  for (const [n, why] of kept) console.log(`  ${n}: ${why}`);
}
