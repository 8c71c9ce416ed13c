// The committed custom-elements.json describes the package a user installs (run after `npm run build`;
// `npm test`'s manifest step has already checked the file is what the analyzer makes from src/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { DEFAULT_BACKOFF } from '../../dist/connection/backoff.js';
import { KNOWN_MESSAGE_TYPES, RESERVED_EVENT_TYPES } from '../../dist/protocol/known-types.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(ROOT, 'custom-elements.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const elements = manifest.modules.flatMap((mod) => (mod.declarations ?? []).filter((d) => d.tagName).map((d) => ({ ...d, module: mod.path })));
const byTag = new Map(elements.map((e) => [e.tagName, e]));
const SHARED_TOKENS = [
  '--kimi-color-surface',
  '--kimi-color-text',
  '--kimi-color-muted',
  '--kimi-color-border',
  '--kimi-color-accent',
  '--kimi-color-ok',
  '--kimi-color-caution',
  '--kimi-color-warning',
  '--kimi-color-critical',
  '--kimi-radius',
  '--kimi-font',
  '--kimi-font-mono',
];

/** Every `module` reference anywhere in a value. */
function references(node, out = []) {
  if (Array.isArray(node)) node.forEach((n) => references(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'module' && typeof v === 'string') out.push(v);
      else references(v, out);
    }
  }
  return out;
}

/** A module's text and that of every relative module it imports, transitively (its styles, the theme). */
function moduleClosure(path, seen = new Map()) {
  if (seen.has(path)) return seen;
  const text = readFileSync(join(ROOT, path), 'utf8');
  seen.set(path, text);
  for (const [, spec] of text.matchAll(/\bfrom\s+['"](\.[^'"]+)['"]/g)) moduleClosure(posix.normalize(posix.join(posix.dirname(path), spec)), seen);
  return seen;
}

test('the manifest is the one package.json names, and it is shipped', () => {
  assert.equal(pkg.customElements, 'custom-elements.json');
  assert.ok(pkg.files.includes('custom-elements.json'));
  assert.equal(pkg.exports['./custom-elements.json'], './custom-elements.json');
});

test('module paths and references point at shipped JavaScript with declarations beside it', () => {
  const paths = new Set(manifest.modules.map((m) => m.path));
  for (const mod of manifest.modules) {
    assert.match(mod.path, /^dist\/.+\.js$/, `${mod.path} is a shipped .js path`);
    assert.ok(existsSync(join(ROOT, mod.path)), `${mod.path} exists after the build`);
    assert.ok(existsSync(join(ROOT, mod.path.replace(/\.js$/, '.d.ts'))), `${mod.path} has a .d.ts`);
    for (const ref of references(mod)) assert.ok(paths.has(ref), `${mod.path} refers to ${ref}, which is a module of the manifest`);
  }
  assert.ok(
    pkg.files.some((f) => f.replace(/\/$/, '') === 'dist'),
    'dist/ is in the package',
  );
});

test('every tag has a custom-element-definition in the module that registers it, and no other definitions exist', () => {
  const definitions = manifest.modules.flatMap((mod) =>
    (mod.exports ?? []).filter((e) => e.kind === 'custom-element-definition').map((e) => ({ ...e, in: mod.path })),
  );
  const full = definitions
    .filter((d) => d.in === 'dist/define.js')
    .map((d) => d.name)
    .sort();
  assert.deepEqual(full, [...byTag.keys()].sort(), 'dist/define.js defines every element');
  assert.deepEqual(
    definitions.filter((d) => d.in === 'dist/define-core.js').map((d) => d.name),
    ['kimi-realtime'],
  );
  for (const d of definitions) {
    assert.ok(['dist/define.js', 'dist/define-core.js'].includes(d.in), `${d.name} defined in ${d.in}, which registers nothing`);
    const el = byTag.get(d.name);
    assert.ok(el, `definition ${d.name} names a tag`);
    assert.deepEqual(d.declaration, { name: el.name, module: el.module });
    const text = readFileSync(join(ROOT, d.in), 'utf8');
    assert.match(text, new RegExp(`\\b${el.name}\\.define\\(\\)`), `${d.in} really calls ${el.name}.define()`);
  }
});

test('every attribute is typed, backed by a field, with a literal default', () => {
  const literal = /^(-?\d+(\.\d+)?|'[^']*'|true|false|null|\[.*\]|\{.*\})$/s;
  for (const el of elements) {
    assert.ok(el.attributes?.length, `<${el.tagName}> has attributes`);
    for (const attr of el.attributes) {
      const where = `<${el.tagName} ${attr.name}>`;
      assert.ok(attr.type?.text, `${where} has a type`);
      assert.ok(attr.fieldName && el.members.some((m) => m.name === attr.fieldName), `${where} names its field`);
      assert.ok('default' in attr, `${where} has a default`);
      assert.match(attr.default, literal, `${where} default ${attr.default} is a literal, not a name`);
    }
    for (const m of el.members.filter((x) => x.kind === 'field' && 'default' in x && x.privacy !== 'private' && x.privacy !== 'protected')) {
      assert.match(m.default, literal, `${el.tagName}.${m.name} default ${m.default} is a literal`);
    }
  }
});

test('the connection defaults in the manifest are the values the element uses', () => {
  const attrs = new Map(byTag.get('kimi-realtime').attributes.map((a) => [a.name, a]));
  assert.equal(attrs.get('reconnect-delay').default, String(DEFAULT_BACKOFF.initialDelay));
  assert.equal(attrs.get('reconnect-delay-max').default, String(DEFAULT_BACKOFF.maxDelay));
  assert.equal(attrs.get('reconnect-growth').default, String(DEFAULT_BACKOFF.growth));
  assert.equal(attrs.get('reconnect-jitter').default, String(DEFAULT_BACKOFF.jitter));
  assert.equal(attrs.get('max-queue').default, '100');
  for (const name of ['reconnect-delay', 'reconnect-delay-max', 'reconnect-growth', 'reconnect-jitter', 'max-queue']) {
    assert.equal(attrs.get(name).type.text, 'number', `${name} is a number`);
  }
  assert.equal(byTag.get('kimi-metric-chart').attributes.find((a) => a.name === 'max-points').default, '300');
  assert.equal(byTag.get('kimi-alert-feed').attributes.find((a) => a.name === 'collapse-window').default, '60000');
});

test('every custom property an element reads is documented on it, the shared theme tokens included', () => {
  for (const el of elements) {
    const documented = new Set((el.cssProperties ?? []).map((p) => p.name));
    const read = new Set();
    for (const text of moduleClosure(el.module).values()) for (const [name] of text.matchAll(/--kimi-[\w-]*\w(?![\w*-])/g)) read.add(name);
    for (const name of read) assert.ok(documented.has(name), `<${el.tagName}> reads ${name} but the manifest does not list it`);
    if (read.has('--kimi-color-text')) for (const t of SHARED_TOKENS) assert.ok(documented.has(t), `<${el.tagName}> documents ${t}`);
    for (const p of el.cssProperties ?? []) assert.ok(p.description, `<${el.tagName}> ${p.name} has a description`);
  }
  for (const tag of ['kimi-context-gauge', 'kimi-metric-chart', 'kimi-alert-feed', 'kimi-connection-status']) {
    const names = byTag.get(tag).cssProperties.map((p) => p.name);
    for (const t of SHARED_TOKENS) assert.ok(names.includes(t), `<${tag}> documents ${t}`);
  }
});

test('public members are documented and the render counter is not among them', () => {
  for (const el of elements) {
    for (const m of el.members ?? []) {
      if (m.privacy === 'private' || m.privacy === 'protected' || m.name.startsWith('#')) continue;
      assert.notEqual(m.name, 'renderCount', `<${el.tagName}> exposes renderCount`);
      assert.ok(m.description, `<${el.tagName}>.${m.name} is public and undocumented`);
    }
  }
});

test('events: every server type and lifecycle event on <kimi-realtime>, each typed by its detail', () => {
  const realtime = byTag.get('kimi-realtime');
  const names = realtime.events.map((e) => e.name);
  // Every server type is relayed under its own name, except those a library event takes (reserved).
  for (const type of KNOWN_MESSAGE_TYPES) if (!RESERVED_EVENT_TYPES.has(type)) assert.ok(names.includes(`kimi:${type}`), `kimi:${type} is on <kimi-realtime>`);
  // Every library event is fired by some element.
  const fired = new Set(elements.flatMap((el) => (el.events ?? []).map((e) => e.name)));
  for (const type of RESERVED_EVENT_TYPES) assert.ok(fired.has(`kimi:${type}`), `kimi:${type} is fired by an element of the manifest`);
  for (const type of ['message', 'status', 'error']) assert.ok(names.includes(`kimi:${type}`), `kimi:${type} is on <kimi-realtime>`);
  // Names users can import from 'kimi-realtime': the index's own export lists and the protocol types it re-exports whole.
  const index = readFileSync(join(ROOT, 'dist/index.d.ts'), 'utf8');
  assert.match(index, /export type \* from '\.\/protocol\/messages\.js'/);
  const exported = new Set([
    ...[...index.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap(([, list]) => list.split(',').map((n) => n.replace(/^\s*type\s+/, '').trim())),
    ...[...readFileSync(join(ROOT, 'dist/protocol/messages.d.ts'), 'utf8').matchAll(/export (?:interface|type) (\w+)/g)].map(([, n]) => n),
  ]);
  for (const el of elements) {
    for (const e of el.events ?? []) {
      assert.match(e.name, /^kimi:/);
      assert.match(e.type?.text ?? '', /^[A-Z]\w*$/, `${e.name}: type is a named detail type`);
      assert.doesNotMatch(e.type.text, /Event$/, `${e.name}: type is the detail, not the event class (the generators emit CustomEvent<type>)`);
      assert.ok(e.description, `${e.name} is described`);
      assert.ok(exported.has(e.type.text), `${e.name}: ${e.type.text} is exported by the package`);
    }
  }
  assert.deepEqual(
    byTag.get('kimi-alert-feed').events.map((e) => [e.name, e.type.text]),
    [['kimi:alert-dismiss', 'AlertItem']],
  );
  assert.equal(realtime.events.find((e) => e.name === 'kimi:metric_updated').type.text, 'MetricUpdatedMessage');
  assert.equal(realtime.events.find((e) => e.name === 'kimi:status').type.text, 'KimiStatusDetail');
});
