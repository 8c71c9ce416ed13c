#!/usr/bin/env node
// kimi-tap: see --help.
import { parseArgs } from 'node:util';
import { KimiTap } from '../lib/tap.mjs';
import { readModelsFile } from '../lib/models.mjs';
import { ENCODING } from '../lib/tokens.mjs';

const HELP = `kimi-tap: a local tap between your IDE and any OpenAI-compatible API. It passes every request
through untouched and serves Kimi Proxy's live dashboard protocol (/ws, /api/sessions) from what it sees.

Usage: kimi-tap --upstream <base URL> [options]

  --upstream <url>       Where requests go: an origin with an optional path prefix. A request for
                         /P?Q goes to <url>/P?Q. Examples: http://127.0.0.1:8000 (Kimi Proxy 2.x),
                         https://openrouter.ai/api, https://api.openai.com
  --port <n>             Port to listen on (default 8011; 0 picks a free one)
  --host <addr>          Address to bind (default 127.0.0.1; anything else exposes your API key's traffic)
  --db <file>            SQLite file for the history (sessions and token counts, never prompt text,
                         headers or keys). Without it the history lives in memory until the tap stops.
  --models <file>        JSON { "<model or glob>": <context window tokens> } over the built-in table
  --retain-days <n>      Keep this many days of history (default 30)
  --admin-key <key>      Kimi Proxy 2.x admin key for its stats (default: $KIMI_ADMIN_KEY)
  --timeout <s>          Seconds to wait for the upstream's answer before a 504 (default 300)
  --idle-timeout <s>     Seconds a started stream may stay silent before it is cut (default 300)
  --help                 This text

Point your IDE's OpenAI base URL at http://127.0.0.1:8011/v1 (or the same path your upstream uses),
and <kimi-realtime url="ws://127.0.0.1:8011/ws"> at the tap. Prompt estimates use ${ENCODING}.`;

function fail(message) {
  console.error(`kimi-tap: ${message}\nRun kimi-tap --help for the options.`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      upstream: { type: 'string' },
      port: { type: 'string', default: '8011' },
      host: { type: 'string', default: '127.0.0.1' },
      db: { type: 'string' },
      models: { type: 'string' },
      'retain-days': { type: 'string', default: '30' },
      'admin-key': { type: 'string' },
      timeout: { type: 'string', default: '300' },
      'idle-timeout': { type: 'string', default: '300' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (e) {
  fail(/** @type {Error} */ (e).message);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
if (!values.upstream) fail('--upstream <base URL> is required (e.g. --upstream https://openrouter.ai/api)');
const num = (name, min) => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min) fail(`--${name} must be a number >= ${min} (got "${values[name]}")`);
  return n;
};
const port = num('port', 0);
if (!Number.isInteger(port) || port > 65535) fail('--port must be an integer 0..65535');

let tap;
try {
  tap = new KimiTap({
    upstream: values.upstream,
    host: values.host,
    port,
    db: values.db,
    models: values.models ? readModelsFile(values.models) : {},
    retainDays: num('retain-days', 0.001),
    adminKey: values['admin-key'] ?? process.env.KIMI_ADMIN_KEY,
    headersTimeoutMs: num('timeout', 0.001) * 1000,
    idleTimeoutMs: num('idle-timeout', 0.001) * 1000,
  });
  await tap.start();
} catch (e) {
  fail(/** @type {Error} */ (e).message);
}
console.log(`kimi-tap ${tap.url} → ${tap.upstream.href}
  IDE base URL:  ${tap.url}/v1 (any path is forwarded as is)
  dashboard:     ${tap.url.replace('http', 'ws')}/ws and ${tap.url}/api/sessions
  history:       ${values.db ? values.db : 'in memory only (pass --db <file> to keep it)'}`);
if (values.host !== '127.0.0.1' && values.host !== 'localhost' && values.host !== '::1')
  console.log(`  warning: bound to ${values.host}; anyone who reaches it can see your traffic's token counts and use your upstream`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await tap.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
