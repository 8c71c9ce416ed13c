// Starts the relay Worker on the real workerd runtime through Miniflare, on 127.0.0.1, with its own
// secrets; optionally with storage on disk, so a second start is "the Durable Object restarted".
import { Miniflare, Log, LogLevel } from 'miniflare';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRelay, wranglerConfig } from '../../scripts/build.mjs';
import { newSecret, signToken } from '../../dist/node.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
let built = null;

/** Collects everything workerd and Miniflare print, to check what is (never) logged. */
class CapturingLog extends Log {
  constructor(lines) {
    super(LogLevel.DEBUG);
    this.lines = lines;
  }
  log(message) {
    this.lines.push(message);
  }
}

/**
 * @param {{ persist?: string, port?: number, secrets?: { viewer: string, uplink: string }, vars?: Record<string,string> }} [options]
 */
export async function startRelay(options = {}) {
  built ??= existsSync(`${root}/dist/worker/worker.js`) && process.env.RELAY_NO_BUILD ? Promise.resolve() : buildRelay();
  await built;
  const config = wranglerConfig();
  // Storage always on disk, as on Cloudflare: a runtime that evicts or resets the Durable Object
  // (hibernation after ~10 s idle, or under load) keeps the room's data.
  const ownDir = options.persist ? null : mkdtempSync(join(tmpdir(), 'kimi-relay-'));
  const persist = options.persist ?? ownDir;
  const secrets = options.secrets ?? { viewer: newSecret(), uplink: newSecret() };
  const logged = [];
  const mf = new Miniflare({
    rootPath: root,
    // What `wrangler deploy` would upload, with the bindings and settings of wrangler.jsonc.
    scriptPath: 'dist/worker/worker.js',
    modules: true,
    modulesRules: [{ type: 'ESModule', include: ['**/*.js'] }],
    compatibilityDate: config.compatibility_date,
    durableObjects: Object.fromEntries(config.durable_objects.bindings.map((b) => [b.name, { className: b.class_name, useSQLite: true }])),
    durableObjectsPersist: persist,
    bindings: { ...config.vars, VIEWER_SECRET: secrets.viewer, UPLINK_SECRET: secrets.uplink, ...options.vars },
    host: '127.0.0.1',
    port: options.port ?? 0,
    cf: false,
    log: new CapturingLog(logged),
    handleRuntimeStdio(stdout, stderr) {
      stdout.on('data', (d) => logged.push(String(d)));
      stderr.on('data', (d) => logged.push(String(d)));
    },
  });
  const url = await mf.ready;
  const host = url.host;
  return {
    mf,
    secrets,
    logged,
    host,
    port: Number(url.port),
    httpUrl: `http://${host}`,
    roomUrl: (room) => `ws://${host}/parties/main/${room}`,
    viewerToken: (claims) => signToken({ v: 1, role: 'viewer', exp: Math.floor(Date.now() / 1000) + 3600, ...claims }, secrets.viewer),
    uplinkToken: (room, exp = Math.floor(Date.now() / 1000) + 300) => signToken({ v: 1, role: 'uplink', room, sessions: '*', exp }, secrets.uplink),
    async dispose() {
      await mf.dispose();
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}
