// The command line: secrets, viewer tokens (checked by the relay's own verifier), refusals, and the
// deploy configuration (wrangler's dry run: everything up to an actual deploy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyToken } from '../dist/node.mjs';
import { bundleWorker, wranglerConfig } from '../scripts/build.mjs';
import { parseJsonc } from '../scripts/jsonc.mjs';

const bin = fileURLToPath(new URL('../bin/kimi-relay.mjs', import.meta.url));
const run = (args, env = {}) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });

test('secret prints a fresh 256-bit secret each time', () => {
  const a = run(['secret']).stdout.trim();
  const b = run(['secret']).stdout.trim();
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b);
});

test('token issues a viewer token the relay accepts, for the room, sessions and lifetime asked', async () => {
  const secret = run(['secret']).stdout.trim();
  const out = run(['token', '--room', 'lab-proxy', '--session', '1', '--session', '3', '--ttl', '2h', '--sub', 'ops'], { KIMI_RELAY_VIEWER_SECRET: secret });
  assert.equal(out.status, 0, out.stderr);
  const token = out.stdout.trim();
  const claims = await verifyToken(token, secret, 'viewer');
  assert.equal(claims.room, 'lab-proxy');
  assert.deepEqual(claims.sessions, ['1', '3']);
  assert.equal(claims.sub, 'ops');
  assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 7200)) < 5);
  assert.ok(!out.stdout.includes(secret) && !out.stderr.includes(secret));
});

test('token reads the secret from a file, and covers every session with --all-sessions', async () => {
  const secret = run(['secret']).stdout.trim();
  const file = join(mkdtempSync(join(tmpdir(), 'kimi-relay-')), 'viewer.secret');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  const out = run(['token', '--room', 'r', '--all-sessions', '--secret-file', file]);
  assert.equal(out.status, 0, out.stderr);
  assert.equal((await verifyToken(out.stdout.trim(), secret, 'viewer')).sessions, '*');
});

test('token refuses without a secret, with a weak one, and with bad arguments (exit 2, no token)', () => {
  const cases = [
    [['token', '--room', 'r', '--all-sessions'], {}, /no secret/],
    [['token', '--room', 'r', '--all-sessions'], { KIMI_RELAY_VIEWER_SECRET: 'short' }, /at least 32 characters/],
    [['token', '--all-sessions'], { KIMI_RELAY_VIEWER_SECRET: 'x'.repeat(40) }, /--room/],
    [['token', '--room', 'r'], { KIMI_RELAY_VIEWER_SECRET: 'x'.repeat(40) }, /--session/],
    [['token', '--room', 'r', '--all-sessions', '--ttl', 'soon'], { KIMI_RELAY_VIEWER_SECRET: 'x'.repeat(40) }, /bad duration/],
    [['token', '--room', 'r', '--all-sessions', '--bogus'], { KIMI_RELAY_VIEWER_SECRET: 'x'.repeat(40) }, /bogus/],
    [['uplink', '--kimi', 'ws://127.0.0.1:1/ws'], { KIMI_RELAY_UPLINK_SECRET: 'x'.repeat(40) }, /--relay/],
    [['frobnicate'], {}, /unknown command/],
  ];
  for (const [args, env, message] of cases) {
    const out = run(args, env);
    assert.equal(out.status, 2, `${args.join(' ')}: exit ${out.status}`);
    assert.match(out.stderr, message);
    assert.equal(out.stdout, '');
  }
});

test('wrangler.jsonc is read as wrangler reads it: comments anywhere, trailing commas, strings untouched', () => {
  const text = `// head
{
  "url": "https://example.com//path", /* inline */ "odd": "a,}b // not a comment",
  "list": [1, 2, /* gap */ 3,],
  "nested": { "k": "v", },
}
`;
  assert.deepEqual(parseJsonc(text), { url: 'https://example.com//path', odd: 'a,}b // not a comment', list: [1, 2, 3], nested: { k: 'v' } });
  assert.throws(() => parseJsonc('{ "a": 1 /* open'), SyntaxError);
  assert.throws(() => parseJsonc('{ a: 1 }'), SyntaxError);
});

test('wrangler.jsonc holds no secret; the dry run bundles the Worker with its Durable Object on SQLite', () => {
  const config = wranglerConfig();
  const raw = readFileSync(fileURLToPath(new URL('../wrangler.jsonc', import.meta.url)), 'utf8');
  assert.ok(!/VIEWER_SECRET"\s*:|UPLINK_SECRET"\s*:/.test(raw), 'no secret value in the config');
  assert.deepEqual(config.migrations[0].new_sqlite_classes, ['KimiRoom']);
  assert.equal(config.durable_objects.bindings[0].name, 'Main', 'binding Main serves /parties/main/<room>');
  const out = bundleWorker();
  assert.match(out, /env\.Main \(KimiRoom\)\s+Durable Object/);
  assert.match(out, /--dry-run: exiting now/);
});
