// The command line: secrets, viewer tokens (checked by the relay's own verifier), refusals, and the
// deploy configuration (wrangler's dry run: everything up to an actual deploy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { signToken, verifyToken } from '../dist/node.mjs';
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

const devScript = fileURLToPath(new URL('../scripts/dev.mjs', import.meta.url));
const relayRoot = fileURLToPath(new URL('..', import.meta.url));

test('npm run dev: refuses to start without .dev.vars or with a short secret, saying how to make them (exit 2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kimi-relay-dev-'));
  const vars = join(dir, '.dev.vars');
  const cases = [
    [null, /no .*\.dev\.vars: create it in relay\/ with:[\s\S]*kimi-relay\.mjs secret/],
    [`VIEWER_SECRET=${'v'.repeat(40)}\n`, /has no UPLINK_SECRET/],
    [`VIEWER_SECRET=${'v'.repeat(40)}\nUPLINK_SECRET="${'u'.repeat(31)}"\n`, /UPLINK_SECRET in .* is 31 characters; it needs at least 32/],
  ];
  for (const [text, message] of cases) {
    if (text === null) rmSync(vars, { force: true });
    else writeFileSync(vars, text);
    const out = spawnSync(process.execPath, [devScript, '--vars', vars, '--port', '1'], { encoding: 'utf8' });
    assert.equal(out.status, 2, out.stderr);
    assert.match(out.stderr, message);
    assert.ok(!/v{40}/.test(out.stderr), 'a secret was printed');
  }
  rmSync(dir, { recursive: true, force: true });
});

test(
  'npm run dev: the Worker runs locally on 127.0.0.1 with the secrets of .dev.vars, offline, and admits a viewer signed with them',
  { timeout: 90_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kimi-relay-dev-'));
    const secrets = { viewer: 'v'.repeat(20) + 'é'.repeat(20), uplink: 'u'.repeat(40) };
    writeFileSync(join(dir, '.dev.vars'), `VIEWER_SECRET=${secrets.viewer}\nUPLINK_SECRET=${secrets.uplink}\n`);
    const port = await new Promise((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address();
        probe.close(() => resolve(p));
      });
    });
    const child = spawn(process.execPath, [devScript, '--vars', join(dir, '.dev.vars'), '--port', String(port), '--persist-to', join(dir, 'state')], {
      cwd: relayRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const health = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.json(),
          () => null,
        );
        if (health) {
          assert.deepEqual(health, { ok: true, service: 'kimi-relay' });
          break;
        }
        assert.ok(Date.now() < deadline && child.exitCode === null, `wrangler dev did not answer:\n${output}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const token = await signToken({ v: 1, role: 'viewer', room: 'local', sessions: '*', exp: Math.floor(Date.now() / 1000) + 60 }, secrets.viewer);
      const ws = new WebSocket(`ws://127.0.0.1:${port}/parties/main/local?token=${token}`);
      const opened = await new Promise((resolve) => {
        ws.once('open', () => resolve(true));
        ws.once('close', (code) => resolve(code));
      });
      assert.equal(opened, true, 'the viewer was refused');
      // Held open: a refusal would close right after the handshake.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(ws.readyState, WebSocket.OPEN);
      ws.close();
      assert.ok(!output.includes(secrets.uplink) && !output.includes(token), 'a secret or a token was printed');
      assert.ok(existsSync(join(dir, 'state')), 'storage kept in --persist-to');
    } finally {
      process.kill(-child.pid, 'SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('the secrets the README has you create in relay/ are git-ignored', () => {
  for (const name of ['viewer.secret', 'uplink.secret', '.dev.vars', '.env', '.env.local']) {
    const out = spawnSync('git', ['check-ignore', '-q', name], { cwd: relayRoot });
    assert.equal(out.status, 0, `${name} is not ignored`);
  }
});
