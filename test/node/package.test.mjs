// What `npm pack` ships (run after `npm run build`): maps that resolve, links that resolve, imports
// that are declared, the license.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const packed = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }).toString(),
);
const files = new Set(packed[0].files.map((f) => f.path));
const read = (path) => readFileSync(join(ROOT, path), 'utf8');

test('the tarball has the license, the manifest, the docs the README links to, and every source a map names', () => {
  for (const f of ['LICENSE', 'README.md', 'custom-elements.json', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/cdn/kimi-realtime.iife.js'])
    assert.ok(files.has(f), f);
  assert.match(read('LICENSE'), /MIT License[\s\S]*kimi-realtime contributors/);
  assert.equal(pkg.license, 'MIT');
});

test('every source map in the tarball resolves: each source is shipped or inlined', () => {
  const maps = [...files].filter((f) => f.endsWith('.map'));
  assert.ok(maps.length > 50, `${maps.length} maps`);
  for (const map of maps) {
    const json = JSON.parse(read(map));
    json.sources.forEach((source, i) => {
      const resolved = posix.normalize(posix.join(posix.dirname(map), json.sourceRoot ?? '', source));
      assert.ok(files.has(resolved) || typeof json.sourcesContent?.[i] === 'string', `${map}: ${source} is neither shipped (${resolved}) nor inlined`);
    });
  }
});

test('every relative link of the README points at a shipped file', () => {
  const links = [...read('README.md').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map(([, href]) => href).filter((href) => !/^[a-z]+:/.test(href));
  assert.ok(links.length > 0);
  for (const href of links) assert.ok(files.has(posix.normalize(href)), `README links to ${href}, which is not in the package`);
});

test('every package the shipped modules and declarations import is a dependency or a peer', () => {
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const typesOf = (name) => (name.startsWith('@types/') ? name : null);
  for (const f of files) {
    if (!/^dist\/.*\.(js|d\.ts)$/.test(f) || f.startsWith('dist/cdn/')) continue;
    const text = read(f)
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, ''); // code, not comments
    const specifiers = [
      /^\s*(?:import|export)\b[^;'"`]*?\sfrom\s*['"]([^'"]+)['"]/gm, // import … from 'x', export … from 'x'
      /^\s*import\s*['"]([^'"]+)['"]/gm, // import 'x'
      /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, // import('x'), import("x").T in declarations
      /\bdeclare module\s+['"]([^'"]+)['"]/g, // augmentations
    ]
      .flatMap((re) => [...text.matchAll(re)].map(([, s]) => s))
      .filter((s) => !s.startsWith('.') && !s.startsWith('node:'));
    for (const s of specifiers) {
      const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0];
      assert.ok(declared.has(name) || typesOf(name), `${f} imports ${s}, but ${name} is not declared`);
    }
  }
  for (const dep of ['lit', '@lit/context', 'lit-html']) assert.match(pkg.dependencies[dep], /^\^/, `${dep} is a caret range`);
});

test('types resolve for every export, under "exports" and under typesVersions', () => {
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    assert.ok(files.has(target.types.replace(/^\.\//, '')), `${subpath}: ${target.types} is shipped`);
    assert.ok(files.has(target.default.replace(/^\.\//, '')), `${subpath}: ${target.default} is shipped`);
    if (subpath !== '.') {
      const mapped = pkg.typesVersions['*'][subpath.replace(/^\.\//, '')];
      assert.deepEqual(mapped, [target.types], `typesVersions maps ${subpath} for moduleResolution node`);
    }
  }
});
