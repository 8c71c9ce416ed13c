// Item 7 of the relay issue: with the room as signalling channel, a WebRTC data channel between two
// viewers (two RTCPeerConnections in Debian's Chromium, started by hand with no DevTools client),
// its setup time and latency against the relay. Prints JSON; docs/webrtc.md has the figures.
//   node bench/webrtc.mjs [--setups=10] [--count=1000] [--rate=200]
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KimiSimulator } from '../../simulator/simulator.mjs';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/find-chromium.mjs';
import { Uplink } from '../dist/node.mjs';
import { startRelay } from '../test/helpers/relay.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const room = 'webrtc';
const relay = await startRelay();
const sim = new KimiSimulator({ port: 0, sessions: [1, 2], activeSession: 1, rate: 0 });
await sim.start();
const uplink = new Uplink({ kimiUrl: sim.url, relayUrl: relay.roomUrl(room), uplinkSecret: relay.secrets.uplink, httpUrl: 'http://127.0.0.1:1' });
uplink.start();
while (!(uplink.kimiOpen && uplink.relayReady)) await new Promise((r) => setTimeout(r, 20));

const config = {
  host: relay.host,
  room,
  token: await relay.viewerToken({ room, sessions: '*' }),
  setups: arg('setups', 10),
  count: arg('count', 1000),
  rate: arg('rate', 200),
};
const page = readFileSync(fileURLToPath(new URL('./pages/webrtc.html', import.meta.url)));
let resolveResults;
const results = new Promise((r) => (resolveResults = r));
const body = (req) =>
  new Promise((resolve) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => resolve(JSON.parse(b || '{}')));
  });
const server = createServer(async (req, res) => {
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  if (req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/html', ...headers });
    return res.end(page);
  }
  if (req.url === '/config') {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    return res.end(JSON.stringify(config));
  }
  if (req.url === '/blast') {
    const { count, spacingMs } = await body(req);
    await sim.blast({ count, sessions: [1], spacingMs });
    res.writeHead(200, headers);
    return res.end('{}');
  }
  if (req.url === '/results') {
    resolveResults(await body(req));
    res.writeHead(200, headers);
    return res.end('{}');
  }
  res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const profile = mkdtempSync(join(tmpdir(), 'kimi-webrtc-'));
const chromium = findChromium();
const browser = spawn(
  chromium,
  [
    ...CHROMIUM_ARGS,
    '--headless=new',
    `--user-data-dir=${profile}`,
    // Host candidates as plain addresses (mDNS names need a resolver this machine may not have).
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    `http://127.0.0.1:${server.address().port}/`,
  ],
  { stdio: 'ignore' },
);
const timeout = setTimeout(() => resolveResults({ ok: false, error: 'no result from the page in 120 s' }), 120_000);
const result = await results;
clearTimeout(timeout);
browser.kill();
uplink.stop();
await sim.stop();
await relay.dispose();
server.close();
rmSync(profile, { recursive: true, force: true });
const version = await new Promise((resolve) => {
  const p = spawn(chromium, ['--version']);
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.on('close', () => resolve(out.trim()));
});
console.log(JSON.stringify({ chromium: version, ...config, token: undefined, ...result }, null, 2));
process.exit(result.ok ? 0 : 1);
