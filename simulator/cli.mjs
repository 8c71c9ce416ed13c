#!/usr/bin/env node
// Command line entry: starts the control hub with its default simulator "main". See USAGE.

import { parseArgs } from 'node:util';
import { startHub } from './control.mjs';
import { checkTimeZone } from '../tap/lib/protocol/format.mjs';
import { DEFAULT_SWITCH_EVERY } from './simulator.mjs';

const USAGE = `usage: node simulator/cli.mjs [options]
  --port 8765            WebSocket /ws and the HTTP session routes (/api/sessions…)
  --control-port 8766    HTTP control hub (tests and scripts)
  --host 127.0.0.1       address to bind
  --rate 8               frames per second (0 = only what the control hub sends)
  --sessions 1,2         sessions that exist at start (1 is "Session par défaut", model null)
  --active 1|none        the active session at start (default: the first of --sessions)
  --history 12           metric rows each starting session already has (0..50)
  --switch-every ${DEFAULT_SWITCH_EVERY}      mean frames between scheduled session changes (0 = never)
  --no-auto-session      start with auto-session off (requests never create sessions)
  --tz <IANA zone>       the server's local time zone, e.g. Europe/Paris (default: this process's)
  --max-context 262144   window of the sessions' model (metric_updated percentages)
  --ide-context 131072   Continue's contextLength (CompileChat log_metric)
  --cli-context 262144   the Kimi CLI's max_context_size (kimi_global, kimi_session_usage)
  --legacy               also send the legacy types (metric, memory_metrics_update) of older servers
  --no-deflate           do not offer permessage-deflate (uvicorn offers it by default, like this)
  --concurrent           stress mode: stream several sessions at once (the real server never does)
  --seed 1  --seq  --stamp  --ping-reply`;

function fail(msg) {
  console.error(`${msg}\n${USAGE}`);
  process.exit(2);
}

function int(name, text, min = 0) {
  if (!/^-?\d+$/.test(text) || Number(text) < min) fail(`--${name}: expected an integer >= ${min}, got "${text}"`);
  return Number(text);
}

let args;
try {
  args = parseArgs({
    options: {
      port: { type: 'string', default: '8765' },
      'control-port': { type: 'string', default: '8766' },
      host: { type: 'string', default: '127.0.0.1' },
      rate: { type: 'string', default: '8' },
      sessions: { type: 'string', default: '1,2' },
      active: { type: 'string' },
      history: { type: 'string', default: '12' },
      'switch-every': { type: 'string', default: String(DEFAULT_SWITCH_EVERY) },
      'no-auto-session': { type: 'boolean', default: false },
      tz: { type: 'string' },
      'max-context': { type: 'string', default: '262144' },
      'ide-context': { type: 'string', default: '131072' },
      'cli-context': { type: 'string', default: '262144' },
      legacy: { type: 'boolean', default: false },
      'no-deflate': { type: 'boolean', default: false },
      concurrent: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      seq: { type: 'boolean', default: false },
      stamp: { type: 'boolean', default: false },
      'ping-reply': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
} catch (e) {
  fail(/** @type {Error} */ (e).message);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const rate = Number(args.rate);
if (!Number.isFinite(rate) || rate < 0) fail(`--rate: expected a number >= 0, got "${args.rate}"`);
const switchEvery = Number(args['switch-every']);
if (!Number.isFinite(switchEvery) || switchEvery < 0) fail(`--switch-every: expected a number >= 0, got "${args['switch-every']}"`);
const sessions = args.sessions.trim() === '' ? [] : args.sessions.split(',').map((s) => int('sessions', s.trim(), 1));
const active = args.active === undefined ? undefined : ['none', 'null', ''].includes(args.active) ? null : int('active', args.active, 1);
try {
  checkTimeZone(args.tz);
} catch (e) {
  fail(`--tz: ${/** @type {Error} */ (e).message}`);
}

let hub;
try {
  hub = await startHub({
    host: args.host,
    port: int('port', args.port),
    controlPort: int('control-port', args['control-port']),
    rate,
    sessions,
    activeSession: active,
    history: int('history', args.history),
    switchEvery,
    autoSession: !args['no-auto-session'],
    tz: args.tz,
    maxContext: int('max-context', args['max-context'], 1),
    ideContext: int('ide-context', args['ide-context'], 1),
    cliContext: int('cli-context', args['cli-context'], 1),
    legacy: args.legacy,
    concurrent: args.concurrent,
    seed: int('seed', args.seed, -2147483648),
    seq: args.seq,
    stamp: args.stamp,
    pingReply: args['ping-reply'],
    deflate: !args['no-deflate'],
    log: (line) => console.log(line),
  });
} catch (e) {
  console.error(`Kimi Proxy simulator: cannot start: ${/** @type {Error} */ (e).message}`);
  process.exit(1);
}
const http = hub.main.url.replace(/^ws:/, 'http:').replace(/\/ws$/, '');
console.log(
  `Kimi Proxy simulator: ${hub.main.url}  (sessions ${http}/api/sessions, control ${hub.controlUrl})` +
    `${args.tz ? `, clock ${args.tz}` : ''}${args['no-deflate'] ? ', no permessage-deflate' : ''}${args.concurrent ? ', concurrent sessions' : ''}${args.legacy ? ', legacy types' : ''}`,
);

let stopping = false;
async function shutdown() {
  if (stopping) process.exit(1); // second signal: do not wait
  stopping = true;
  await hub.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
