#!/usr/bin/env node
// Command line entry: starts the control hub with its default simulator "main".
//   node simulator/cli.mjs [--port 8765] [--control-port 8766] [--host 127.0.0.1] [--rate 8]
//                          [--sessions 1,2] [--active 1|none] [--no-legacy] [--seed 1]
//                          [--seq] [--stamp] [--ping-reply]

import { parseArgs } from 'node:util';
import { startHub } from './control.mjs';

const USAGE = 'usage: node simulator/cli.mjs [--port 8765] [--control-port 8766] [--host 127.0.0.1] '
  + '[--rate 8] [--sessions 1,2] [--active 1|none] [--no-legacy] [--seed 1] [--seq] [--stamp] [--ping-reply]';

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
      'no-legacy': { type: 'boolean', default: false },
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
if (args.help) { console.log(USAGE); process.exit(0); }

const rate = Number(args.rate);
if (!Number.isFinite(rate) || rate < 0) fail(`--rate: expected a number >= 0, got "${args.rate}"`);
const sessions = args.sessions.trim() === '' ? [] : args.sessions.split(',').map((s) => int('sessions', s.trim()));
const active = args.active === undefined ? undefined
  : ['none', 'null', ''].includes(args.active) ? null : int('active', args.active);

let hub;
try {
  hub = await startHub({
    host: args.host,
    port: int('port', args.port),
    controlPort: int('control-port', args['control-port']),
    rate,
    sessions,
    activeSession: active,
    legacy: !args['no-legacy'],
    seed: int('seed', args.seed, -2147483648),
    seq: args.seq,
    stamp: args.stamp,
    pingReply: args['ping-reply'],
    log: (line) => console.log(line),
  });
} catch (e) {
  console.error(`Kimi Proxy simulator: cannot start: ${/** @type {Error} */ (e).message}`);
  process.exit(1);
}
console.log(`Kimi Proxy simulator: ${hub.main.url}  (control ${hub.controlUrl})`);

let stopping = false;
async function shutdown() {
  if (stopping) process.exit(1); // second signal: do not wait
  stopping = true;
  await hub.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
