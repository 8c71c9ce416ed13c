// `npm run bench` in relay/: one uplink to 1, 10, 100 and 1,000 viewers (Node `ws` clients in a
// child process) through the relay on workerd (Miniflare), against the same viewers connected to
// the simulator directly. Two sessions, viewers split between them: through the relay each viewer
// receives its session only, directly every viewer receives everything and must filter.
//   node bench/run.mjs [--viewers=1,10,100,1000] [--rounds=3] [--write]   (--write updates ../BENCHMARKS.md)
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { KimiSimulator } from '../../simulator/simulator.mjs';
import { Uplink } from '../dist/node.mjs';
import { startRelay } from '../test/helpers/relay.mjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const counts = arg('viewers', '1,10,100,1000').split(',').map(Number);
const rounds = Number(arg('rounds', 3));
const write = process.argv.includes('--write');
/**
 * Offered rate for the latency runs, frames/s: 200, or less for many viewers so that the deliveries
 * (rate × viewers) stay within what both paths sustain; a saturated path measures its queue, not its latency.
 */
const rateFor = (n) => Math.min(200, Math.round(20_000 / n));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

const relay = await startRelay();
const sim = new KimiSimulator({ port: 0, sessions: [1, 2], activeSession: 1, rate: 0 });
await sim.start();
const room = 'bench';
const uplink = new Uplink({ kimiUrl: sim.url, relayUrl: relay.roomUrl(room), uplinkSecret: relay.secrets.uplink, httpUrl: 'http://127.0.0.1:1' });
uplink.start();
while (!(uplink.kimiOpen && uplink.relayReady)) await sleep(20);
const tokens = { 1: await relay.viewerToken({ room, sessions: ['1'] }), 2: await relay.viewerToken({ room, sessions: ['2'] }) };

function child() {
  const proc = fork(fileURLToPath(new URL('./viewers.mjs', import.meta.url)));
  const ask = (message) =>
    new Promise((resolve, reject) => {
      proc.once('message', (reply) => (reply.error ? reject(new Error(reply.error)) : resolve(reply)));
      proc.send(message);
    });
  return { proc, ask };
}

async function measure(mode, n) {
  const viewers = child();
  const urls = Array.from({ length: n }, (_, i) => {
    const session = String((i % 2) + 1);
    return mode === 'relay' ? { url: `${relay.roomUrl(room)}?session=${session}&token=${tokens[session]}`, session } : { url: sim.url, session: null };
  });
  await viewers.ask({ cmd: 'connect', urls });
  await sleep(300);
  const out = {};
  // Throughput: as fast as backpressure allows. Sized so each run delivers ~200k frames directly, and
  // at most 20,000 frames (the uplink holds 50,000 while the room catches up).
  const burst = Math.max(400, Math.min(20_000, Math.round(200_000 / n)));
  const tput = [];
  for (let r = 0; r < rounds; r++) {
    await viewers.ask({ cmd: 'reset', samples: 0 });
    await sim.blast({ count: burst, sessions: [1, 2] });
    const owed = mode === 'relay' ? (burst * n) / 2 : burst * n;
    const started = Date.now();
    let report;
    do {
      await sleep(100);
      report = await viewers.ask({ cmd: 'report' });
    } while (report.received < owed && Date.now() - started < 60_000);
    if (report.received !== owed) throw new Error(`${mode} ${n}: received ${report.received} of ${owed}`);
    tput.push({ ...report, rate: report.received / report.seconds });
  }
  out.deliveredPerSecond = median(tput.map((t) => t.rate));
  out.perViewer = tput[0].perViewerMax;
  out.perViewerMin = tput[0].perViewerMin;
  out.foreign = tput.reduce((a, t) => a + t.foreign, 0);
  out.burst = burst;
  // Latency at a steady offered rate.
  const seconds = 3;
  const rate = rateFor(n);
  const frames = rate * seconds;
  out.rate = rate;
  const lat = [];
  for (let r = 0; r < rounds; r++) {
    await viewers.ask({ cmd: 'reset', samples: frames * n });
    await sim.blast({ count: frames, sessions: [1, 2], spacingMs: 1000 / rate });
    const owed = mode === 'relay' ? (frames * n) / 2 : frames * n;
    const started = Date.now();
    let report;
    do {
      await sleep(100);
      report = await viewers.ask({ cmd: 'report' });
    } while (report.received < owed && Date.now() - started < 60_000);
    lat.push(report);
  }
  out.p50 = median(lat.map((l) => l.p50));
  out.p99 = median(lat.map((l) => l.p99));
  await viewers.ask({ cmd: 'close' }).catch(() => {});
  await sleep(300);
  return out;
}

const rows = [];
for (const n of counts) {
  for (const mode of ['direct', 'relay']) {
    process.stdout.write(`${mode} × ${n} … `);
    const result = await measure(mode, n);
    rows.push({ n, mode, ...result });
    console.log(
      `${Math.round(result.deliveredPerSecond)} frames/s delivered, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${result.perViewer} frames per viewer of ${result.burst}`,
    );
  }
}

uplink.stop();
await sim.stop();
await relay.dispose();

const fmt = (v) => Math.round(v).toLocaleString('en-US');
const table = [
  "| Viewers | Path | Frames delivered/s (all viewers) | Latency at (frames/s) | p50 latency | p99 latency | Frames each viewer received (of a burst) | Other sessions' frames received |",
  '|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${fmt(r.n)} | ${r.mode === 'relay' ? 'relay (uplink → room → viewer)' : 'direct to the simulator'} | ${fmt(r.deliveredPerSecond)} | ${r.rate} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${fmt(r.perViewer)} of ${fmt(r.burst)} | ${r.mode === 'relay' ? fmt(r.foreign) : `all (${fmt(r.perViewer / 2)})`} |`,
  ),
].join('\n');
console.log(`\n${table}`);

if (write) {
  const path = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
  const text = readFileSync(path, 'utf8');
  const section = `<!-- relay:begin -->
## Relay: one uplink to many viewers

\`cd relay && npm run bench -- --write\` (relay/bench/run.mjs). Measured ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} CPU cores shared with other work, the relay on workerd through Miniflare (one room, one Durable Object), the simulator blasting \`metric_updated\` frames (about 300 B) for sessions 1 and 2; the viewers are Node \`ws\` clients in one child process, half watching session 1, half session 2. Frames delivered/s: the median of ${rounds} bursts sent as fast as backpressure allows. Latency: the simulator's send stamp to the viewer's receipt, at the steady rate shown for 3 s (200 frames/s, fewer for many viewers so neither path is saturated), median of ${rounds} runs.

${table}

Through the relay every viewer receives its own session only (half the frames; the count of other sessions' frames is checked, 0); directly, every viewer receives every frame and drops the other session's itself.
<!-- relay:end -->`;
  const updated = text.includes('<!-- relay:begin -->')
    ? text.replace(/<!-- relay:begin -->[\s\S]*<!-- relay:end -->/, section)
    : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, updated);
  console.log('BENCHMARKS.md updated');
}
process.exit(0);
