// `npm run bench:compression`: wire bytes of a realistic Kimi Proxy stream with and without
// permessage-deflate, counted on the server side (the simulator's `wireBytesOut`: bytes written to the
// /ws TCP connection, the 101 answer and frame headers included).
//
// The stream is the simulator's default realistic traffic (StreamGenerator with the simulator's
// defaults: sessions 1 and 2, session 1 active, seed 1, a session change every ~500 frames) after its
// `init`, with the clock stepped 125 ms per frame as at the command line's default 8 frames/s, so
// timestamps differ from frame to frame as much as they do live. The same frames go out through a
// KimiSimulator (`push`, verbatim) to a `ws` client making Chromium's offer
// (`permessage-deflate; client_max_window_bits`) or Firefox's (`permessage-deflate`), and, when Debian's
// python3-uvicorn and python3-websockets are installed, through the real server stack (uvicorn with its
// defaults, bench/compression_uvicorn.py) for comparison.
// Options: --frames=5000, --no-write (print only), --no-uvicorn.
import { spawn, spawnSync } from 'node:child_process';
import { waitForOutput } from '../scripts/child-output.mjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { DEFAULT_SWITCH_EVERY, KimiSimulator } from '../simulator/simulator.mjs';
import { StreamGenerator } from '../simulator/streams.mjs';
import { writeSection } from './report-section.mjs';

const framesArg = process.argv.find((a) => a.startsWith('--frames='));
const FRAMES = framesArg ? Number(framesArg.split('=')[1]) : 5000;
if (!Number.isInteger(FRAMES) || FRAMES < 1) throw new RangeError('--frames must be a positive integer');
const write = !process.argv.includes('--no-write');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const STEP_MS = 125;

/** `init` of the active session, then `count` frames of the realistic stream, as text. */
function realisticStream(count) {
  let t = Date.parse('2026-11-30T09:00:00Z');
  const gen = new StreamGenerator({
    sessions: [1, 2],
    active: 1,
    seed: 1,
    switchEvery: DEFAULT_SWITCH_EVERY,
    history: 12,
    autoSession: true,
    now: () => t,
  });
  const frames = [gen.store.initFrame(1)];
  for (let i = 0; i < count; i++) {
    t += STEP_MS;
    frames.push(gen.next());
  }
  return frames;
}

const OFFERS = {
  Chromium: { perMessageDeflate: {} }, // ws offers `permessage-deflate; client_max_window_bits`, as Chromium does
  Firefox: { perMessageDeflate: { clientMaxWindowBits: false } }, // `permessage-deflate`
  // No browser asks this; it shows what context takeover is worth.
  'a client asking no context takeover': { perMessageDeflate: { serverNoContextTakeover: true, clientMaxWindowBits: false } },
};

/**
 * Connects, receives `expected` frames, and returns what crossed the wire.
 * @param {string} url  @param {'Chromium'|'Firefox'} browser  @param {(() => void) | null} sendAll
 */
async function receive(url, browser, expected, sendAll) {
  const ws = new WebSocket(url, OFFERS[browser]);
  let answer = null;
  let socket = null;
  ws.on('upgrade', (res) => {
    answer = res.headers['sec-websocket-extensions'] ?? null;
    socket = res.socket;
  });
  let received = 0;
  let textBytes = 0;
  let done;
  const all = new Promise((resolve) => (done = resolve));
  ws.on('message', (data) => {
    received += 1;
    textBytes += data.length;
    if (received === expected) done();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  sendAll?.();
  const timer = setTimeout(() => done(), 60_000);
  await all;
  clearTimeout(timer);
  const clientBytes = socket.bytesRead;
  return { ws, answer, received, textBytes, clientBytes };
}

async function close(ws) {
  const closed = new Promise((resolve) => ws.once('close', resolve));
  ws.close();
  await closed;
}

async function viaSimulator(frames, deflate, browser) {
  // No active session: the simulator sends no `init` of its own; the stream carries one.
  const sim = new KimiSimulator({ rate: 0, deflate, activeSession: null });
  await sim.start();
  try {
    const before = sim.wireBytesOut;
    const r = await receive(sim.url, browser, frames.length, () => {
      for (let i = 0; i < frames.length; i += 200) sim.push(frames.slice(i, i + 200));
    });
    const wire = sim.wireBytesOut - before;
    const offer = sim.lastHandshake?.headers['sec-websocket-extensions'] ?? null;
    await close(r.ws);
    if (wire !== r.clientBytes) throw new Error(`server wrote ${wire} B, client read ${r.clientBytes} B`);
    return { server: `simulator, \`deflate: ${deflate}\``, browser, offer, ...r, wire, counted: 'server' };
  } finally {
    await sim.stop();
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function uvicornVersions() {
  const r = spawnSync(PYTHON, ['-c', 'import uvicorn, websockets; print(uvicorn.__version__, websockets.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split(' ') : null;
}

/** The same frames through uvicorn (its defaults: websockets implementation, per-message deflate on). */
async function viaUvicorn(frames, browser, versions) {
  const dir = mkdtempSync(join(tmpdir(), 'kimi-uvicorn-'));
  const file = join(dir, 'frames.json');
  writeFileSync(file, JSON.stringify(frames));
  const port = await freePort();
  const child = spawn(
    PYTHON,
    ['-m', 'uvicorn', '--app-dir', 'bench', 'compression_uvicorn:app', '--host', '127.0.0.1', '--port', String(port), '--lifespan', 'off', '--no-access-log'],
    { env: { ...process.env, KIMI_FRAMES: file }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  try {
    await waitForOutput(child, 'Uvicorn running', { ms: 30_000, what: 'uvicorn' });
    const r = await receive(`ws://127.0.0.1:${port}/ws`, browser, frames.length, null);
    await close(r.ws);
    const offer = browser === 'Chromium' ? 'permessage-deflate; client_max_window_bits' : 'permessage-deflate';
    return { server: `uvicorn ${versions[0]}, websockets ${versions[1]} (defaults)`, browser, offer, ...r, wire: r.clientBytes, counted: 'client' };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const frames = realisticStream(FRAMES);
const types = new Map();
for (const f of frames) {
  const type = /"type":"([^"]+)"/.exec(f)?.[1] ?? '?';
  types.set(type, (types.get(type) ?? 0) + 1);
}
const runs = [];
for (const [deflate, browser] of [
  [false, 'Chromium'],
  [true, 'Chromium'],
  [true, 'Firefox'],
  [true, 'a client asking no context takeover'],
])
  runs.push(await viaSimulator(frames, deflate, browser));
const versions = process.argv.includes('--no-uvicorn') ? null : uvicornVersions();
if (versions) for (const browser of ['Chromium', 'Firefox']) runs.push(await viaUvicorn(frames, browser, versions));
for (const r of runs) if (r.received !== frames.length) throw new Error(`${r.server} ${r.browser}: ${r.received}/${frames.length} frames`);

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const off = runs[0];
const on = runs[1];
const lines = [
  "| server | client's offer | server's answer | frames | text (UTF-8 bytes) | wire bytes, server → client | wire / text | vs uncompressed |",
  '|---|---|---|---|---|---|---|---|',
  ...runs.map(
    (r) =>
      `| ${r.server} | ${r.browser}: \`${r.offer}\` | ${r.answer ? `\`${r.answer}\`` : 'none'} | ${fmt(r.received)} | ${fmt(r.textBytes)} | ${fmt(r.wire)}${r.counted === 'client' ? ' ¹' : ''} | ${fmt(r.wire / r.textBytes, 3)} | ${r === off ? '1' : `${fmt(r.wire / off.wire, 3)} (${fmt(off.wire / r.wire, 1)}× fewer)`} |`,
  ),
];
const mix = [...types]
  .sort((a, b) => b[1] - a[1])
  .map(([t, n]) => `${t} ${fmt(n)}`)
  .join(', ');
const nct = runs.find((r) => r.browser.startsWith('a client'));
const uv = runs.find((r) => r.counted === 'client' && r.browser === 'Chromium');
const markdown = `## Compression (permessage-deflate)

\`npm run bench:compression\` (\`node bench/compression.mjs --frames=${FRAMES}\`), ${new Date().toISOString().slice(0, 10)}, Node ${process.version},
ws ${createRequire(import.meta.url)('ws/package.json').version}. The simulator's default realistic stream: \`init\` then ${fmt(FRAMES)} frames, its clock stepped
${STEP_MS} ms a frame as at its default 8 frames/s (${mix}), about ${fmt((FRAMES * STEP_MS) / 60_000, 0)} minutes of live traffic.
Sent once with permessage-deflate as uvicorn negotiates it by default (\`--ws-per-message-deflate\` is on; its default
\`websockets\` implementation uses \`ServerPerMessageDeflateFactory()\`: 15-bit windows, context takeover, every message
compressed) and once without. Wire bytes are counted on the server side (the simulator's \`wireBytesOut\`: bytes
written to the TCP connection, the 101 answer and frame headers included; checked equal to what the client read);
text bytes on the client after decompression.

${lines.join('\n')}
${
  versions
    ? `
¹ Debian 12's python3-uvicorn and python3-websockets (uvicorn 0.17.6 is the version PROTOCOL §15 saw live) running
\`bench/compression_uvicorn.py\`, which sends the same frames; counted as bytes the client read (the same number on loopback).
`
    : `
(The comparison with uvicorn runs when Debian's python3-uvicorn and python3-websockets are installed.)
`
}
Compressed, the stream takes **${fmt((on.wire / off.wire) * 100, 1)} %** of the bytes it takes uncompressed (${fmt(off.wire / on.wire, 1)}× fewer): ${fmt(on.wire / on.received, 0)} B a frame
on the wire against ${fmt(off.wire / off.received, 0)} B. Most of the gain is context takeover: each frame repeats the keys and much of the
values of the frames before it; compressed one by one (no context takeover, which no browser asks for) the frames take
${fmt((nct.wire / off.wire) * 100, 1)} %. Chromium's and Firefox's offers get the same answer, so the same bytes.${
  uv
    ? ` uvicorn sends
${fmt(uv.wire)} B for the same stream (${fmt((uv.wire / on.wire - 1) * 100, 1)} % against the simulator; Python's and Node's zlib builds differ).`
    : ''
}
`;
console.log(markdown);
if (write) {
  writeSection('compression', markdown);
  console.log('wrote bench/results/compression.md and its section of BENCHMARKS.md');
}
process.exit(0);
