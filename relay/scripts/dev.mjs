// `npm run dev` in relay/: the Worker and its rooms on this machine, with `wrangler dev` (the same
// workerd runtime Cloudflare runs; no account and no network needed), on http://127.0.0.1:8787.
// Secrets come from `.dev.vars` (VIEWER_SECRET=… and UPLINK_SECRET=… lines, git-ignored, as
// `wrangler dev` reads them); rooms' storage is kept in .wrangler/state between runs.
//
//   node scripts/dev.mjs [--port 8787] [--vars .dev.vars] [--persist-to .wrangler/state]
//
// (`--vars`, not `--env-file`: Node 20 takes `--env-file` for itself even after the script name.)
//
// Refuses to start (exit 2) when the file or a secret is missing or shorter than 32 characters: the
// Worker would otherwise start and refuse every socket with 1011.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const MIN_SECRET_LENGTH = 32;
const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    vars: { type: 'string', default: '.dev.vars' },
    'persist-to': { type: 'string', default: '.wrangler/state' },
  },
});

function fail(message) {
  process.stderr.write(`kimi-relay dev: ${message}\n`);
  process.exit(2);
}

const envFile = values.vars;
const envPath = resolve(root, envFile);
const howTo = `create it in relay/ with:
  node bin/kimi-relay.mjs secret > viewer.secret
  node bin/kimi-relay.mjs secret > uplink.secret
  printf 'VIEWER_SECRET=%s\\nUPLINK_SECRET=%s\\n' "$(cat viewer.secret)" "$(cat uplink.secret)" > .dev.vars`;
if (!existsSync(envPath)) fail(`no ${envFile}: ${howTo}`);
// The dotenv lines wrangler reads: NAME=value (quotes optional); only the two names are checked.
const vars = new Map();
for (const line of readFileSync(envPath, 'utf8').split(/\r?\n/)) {
  const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
  if (match) vars.set(match[1], match[2].replace(/^(['"])(.*)\1$/, '$2'));
}
for (const name of ['VIEWER_SECRET', 'UPLINK_SECRET']) {
  const value = vars.get(name);
  if (!value) fail(`${envFile} has no ${name}: ${howTo}`);
  if (value.length < MIN_SECRET_LENGTH)
    fail(`${name} in ${envFile} is ${value.length} characters; it needs at least ${MIN_SECRET_LENGTH} (\`node bin/kimi-relay.mjs secret\` makes one)`);
}
if (!/^\d{1,5}$/.test(values.port)) fail(`--port must be a port number, not "${values.port}"`);

const wrangler = fileURLToPath(new URL('../node_modules/wrangler/bin/wrangler.js', import.meta.url));
const args = ['dev', '--ip', '127.0.0.1', '--port', values.port, '--persist-to', values['persist-to'], '--env-file', envPath];
const child = spawn(process.execPath, [wrangler, ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
