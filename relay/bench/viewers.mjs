// Child process of the relay benchmark: N Node `ws` viewers, counting the stamped frames
// (`sent_at`, from the simulator's blast) each one receives and the latency of each.
import WebSocket from 'ws';

let viewers = [];
let latencies = new Float64Array(0);
let samples = 0;
let first = 0;
let last = 0;

function onFrame(viewer, text) {
  const at = text.indexOf('"sent_at":');
  if (at === -1) return;
  const now = performance.timeOrigin + performance.now();
  const sentAt = Number.parseFloat(text.slice(at + 10));
  const session = /"session_id":(\d+)/.exec(text)?.[1];
  viewer.count++;
  if (session !== viewer.session && viewer.session !== null) viewer.foreign++;
  if (first === 0) first = now;
  last = now;
  if (samples < latencies.length) latencies[samples++] = now - sentAt;
}

async function connect({ urls }) {
  viewers = urls.map(({ url, session }) => ({ url, session, count: 0, foreign: 0, ws: null }));
  // Connect in batches: a thousand handshakes at once only measures the accept queue.
  for (let i = 0; i < viewers.length; i += 50) {
    await Promise.all(
      viewers.slice(i, i + 50).map(
        (viewer) =>
          new Promise((resolve, reject) => {
            const ws = new WebSocket(viewer.url, { perMessageDeflate: false });
            viewer.ws = ws;
            ws.on('message', (data) => onFrame(viewer, data.toString()));
            ws.once('open', resolve);
            ws.once('error', reject);
            ws.once('close', (code) => reject(new Error(`viewer closed ${code}`)));
          }),
      ),
    );
  }
}

process.on('message', async (message) => {
  try {
    if (message.cmd === 'connect') {
      await connect(message);
      process.send({ ok: true });
    } else if (message.cmd === 'reset') {
      for (const v of viewers) v.count = v.foreign = 0;
      latencies = new Float64Array(message.samples);
      samples = 0;
      first = last = 0;
      process.send({ ok: true });
    } else if (message.cmd === 'report') {
      const sorted = latencies.slice(0, samples).sort();
      const pick = (q) => (samples ? sorted[Math.min(samples - 1, Math.floor(q * samples))] : NaN);
      const counts = viewers.map((v) => v.count);
      process.send({
        received: counts.reduce((a, b) => a + b, 0),
        perViewerMin: Math.min(...counts),
        perViewerMax: Math.max(...counts),
        foreign: viewers.reduce((a, v) => a + v.foreign, 0),
        seconds: (last - first) / 1000,
        p50: pick(0.5),
        p99: pick(0.99),
      });
    } else if (message.cmd === 'close') {
      for (const v of viewers) v.ws.terminate();
      process.send({ ok: true });
      process.exit(0);
    }
  } catch (error) {
    process.send({ error: error.message });
  }
});
