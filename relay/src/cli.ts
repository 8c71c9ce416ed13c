import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Uplink } from './uplink.js';
import { checkSecret, newSecret, signToken, ROOM_NAME } from './token.js';

const USAGE = `kimi-relay: the uplink next to Kimi Proxy, and the viewer tokens of a Kimi relay

  kimi-relay secret
      Prints a new random secret (for VIEWER_SECRET and UPLINK_SECRET).

  kimi-relay token --room <room> (--session <id> ... | --all-sessions) [--ttl 24h] [--sub <label>]
      Prints a viewer token for <room>, valid for --ttl (s, m, h or d; default 24h).
      Secret: env KIMI_RELAY_VIEWER_SECRET, or --secret-file <path>.

  kimi-relay uplink --kimi <ws://host:port/ws> --relay <wss://relay/parties/main/<room>> [--http <url>]
      Connects Kimi Proxy to the relay room and keeps both connections up.
      Secret: env KIMI_RELAY_UPLINK_SECRET, or --secret-file <path>.
`;

function fail(message: string): never {
  process.stderr.write(`kimi-relay: ${message}\n`);
  process.exit(2);
}

function readSecret(envName: string, file: string | undefined): string {
  const value = file ? readFileSync(file, 'utf8').trim() : process.env[envName];
  if (!value) fail(`no secret: set ${envName} or pass --secret-file <path>`);
  try {
    return checkSecret(value, file ? `the secret in ${file}` : envName);
  } catch (error) {
    fail((error as Error).message);
  }
}

export function parseDuration(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new TypeError(`bad duration "${text}" (use e.g. 90s, 30m, 24h, 7d)`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

async function token(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      room: { type: 'string' },
      session: { type: 'string', multiple: true },
      'all-sessions': { type: 'boolean' },
      ttl: { type: 'string', default: '24h' },
      sub: { type: 'string' },
      'secret-file': { type: 'string' },
    },
  });
  if (!values.room || !ROOM_NAME.test(values.room)) fail('--room <room> is required (1–64 of A–Z a–z 0–9 . _ -)');
  if (!values['all-sessions'] && !values.session?.length) fail('name the sessions (--session <id>, repeatable) or pass --all-sessions');
  if (values['all-sessions'] && values.session?.length) fail('--session and --all-sessions exclude each other');
  const secret = readSecret('KIMI_RELAY_VIEWER_SECRET', values['secret-file']);
  let ttl: number;
  try {
    ttl = parseDuration(values.ttl);
  } catch (error) {
    fail((error as Error).message);
  }
  const claims = {
    v: 1 as const,
    role: 'viewer' as const,
    room: values.room,
    sessions: values['all-sessions'] ? ('*' as const) : values.session!,
    exp: Math.floor(Date.now() / 1000) + ttl,
    ...(values.sub ? { sub: values.sub } : {}),
  };
  try {
    process.stdout.write(`${await signToken(claims, secret)}\n`);
  } catch (error) {
    fail((error as Error).message);
  }
}

function uplink(args: string[]): void {
  const { values } = parseArgs({
    args,
    options: {
      kimi: { type: 'string', default: 'ws://127.0.0.1:8000/ws' },
      relay: { type: 'string' },
      http: { type: 'string' },
      'secret-file': { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  if (!values.relay) fail('--relay <wss://relay-host/parties/main/<room>> is required');
  const secret = readSecret('KIMI_RELAY_UPLINK_SECRET', values['secret-file']);
  const log = values.quiet ? () => {} : (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  let up: Uplink;
  try {
    up = new Uplink({ kimiUrl: values.kimi, relayUrl: values.relay, uplinkSecret: secret, ...(values.http ? { httpUrl: values.http } : {}), log });
  } catch (error) {
    fail((error as Error).message);
  }
  up.start();
  const report = setInterval(() => {
    if (up.fatal) {
      clearInterval(report);
      fail(up.fatal);
    }
  }, 250);
  const shutdown = () => {
    up.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'secret':
        process.stdout.write(`${newSecret()}\n`);
        return;
      case 'token':
        return await token(rest);
      case 'uplink':
        return uplink(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return;
      default:
        fail(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (error) {
    // parseArgs throws TypeErrors for unknown options and missing values.
    fail((error as Error).message);
  }
}
