// scripts/check-layers.mjs: src/ holds every rule, and each rule fails on a tree that breaks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkLayers } from '../../scripts/check-layers.mjs';

/** A src/ tree in a temporary folder: `files` maps paths to their text. */
function tree(files) {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const problemsOf = (files) => {
  const dir = tree(files);
  try {
    return checkLayers(dir).problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const element = "import { LitElement } from 'lit';\nexport class KimiX extends LitElement {}\n";

test('src/ holds every layer rule', () => {
  assert.deepEqual(checkLayers().problems, []);
});

test('a clean tree passes', () => {
  assert.deepEqual(
    problemsOf({
      'protocol/a.ts': "import type { B } from './b.js';\nexport const a = 1;\n",
      'protocol/b.ts': 'export type B = number;\n',
      'connection/c.ts': "import type { E } from '../events/e.js';\nimport { a } from '../protocol/a.js';\nexport const c = a;\n",
      'events/e.ts': 'export type E = string;\n',
      'components/x/kimi-x.ts': element,
    }),
    [],
  );
});

test('protocol/ importing outside itself, a package or a type included, fails', () => {
  const problems = problemsOf({
    'protocol/a.ts': "import type { E } from '../events/e.js';\nimport { html } from 'lit';\nexport const a = 1;\n",
    'events/e.ts': 'export type E = string;\n',
  });
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(problems[0], /protocol\/a\.ts: protocol\/ imports nothing outside itself, but it imports \.\.\/events\/e\.js/);
  assert.match(problems[1], /imports lit/);
});

test('an import circle made of type imports fails, named once', () => {
  const problems = problemsOf({
    'protocol/a.ts': "import type { B } from './b.js';\nexport type A = B;\n",
    'protocol/b.ts': "import type { C } from './c.js';\nexport type B = C;\n",
    'protocol/c.ts': "export type { A as C } from './a.js';\n",
  });
  assert.deepEqual(problems, ['import circle: protocol/a.ts → protocol/b.ts → protocol/c.ts → protocol/a.ts']);
});

test('connection/ or internal/ importing an element, an event class at run time, or dispatching, fails', () => {
  const problems = problemsOf({
    'connection/c.ts': "import type { KimiX } from '../components/x/kimi-x.js';\nexport type C = KimiX;\n",
    'internal/o.ts': "import { E } from '../events/e.js';\nexport const o = (h: HTMLElement) => h.dispatchEvent(new E());\n",
    'events/e.ts': 'export class E extends Event {}\n',
    'components/x/kimi-x.ts': element,
  });
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.match(problems.join('\n'), /connection\/c\.ts: connection\/ imports no element/);
  assert.match(problems.join('\n'), /internal\/o\.ts: internal\/ dispatches no event, so it takes types only from events\//);
  assert.match(problems.join('\n'), /internal\/o\.ts: internal\/ dispatches no DOM event, but it calls dispatchEvent/);
});

test('shared code or events/ importing an element fails', () => {
  const problems = problemsOf({
    'components/shared/s.ts': "import type { P } from '../x/points.js';\nexport type S = P;\n",
    'components/x/points.ts': 'export type P = number;\n',
    'events/e.ts': "import type { KimiX } from '../components/x/kimi-x.js';\nexport type E = KimiX;\n",
    'components/x/kimi-x.ts': element,
  });
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(problems[0], /components\/shared\/s\.ts: shared code imports no element/);
  assert.match(problems[1], /events\/e\.ts: events\/ imports no element/);
});
