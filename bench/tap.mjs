// `npm run bench:tap`: what kimi-tap adds to a request. The fake OpenAI-compatible provider and the tap
// run in their own processes (the tap with a SQLite file, as a user runs it); this process is the
// client. Streaming chat completions (16 chunks, usage included) go direct and through the tap,
// interleaved, 1 at a time and 100 at once: time to first byte and to last byte, p50/p99, and the
// difference. Then 10,000 requests through the tap while its RSS and heap (after GC) are sampled.
// Writes its section of BENCHMARKS.md. `--smoke`: a quick run that checks it works, writes nothing.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { writeSection } from './report-section.mjs';

const smoke = process.argv.includes('--smoke');
const SERIAL = smoke ? 40 : 1000;
const ROUNDS_100 = smoke ? 1 : 10;
const MEMORY_REQUESTS = smoke ? 500 : 10_000;

const dir = mkdtempSync(join(os.tmpdir(), 'kimi-tap-bench-'));
const children = [];
async function start(role, ...args) {
  const child = fork(new URL('./tap-child.mjs', import.meta.url), [role, ...args], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  const [msg] = await once(child, 'message');
  return { child, port: msg.port };
}
const memory = async (child) => {
  child.send('mem');
  for (;;) {
    const [m] = await once(child, 'message');
    if (m.mem) return m.mem;
  }
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 200 });
const BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Measure the tap. '.repeat(50) }],
});

/** One streamed request: ms to the first body byte and to the last. */
function one(port) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = 0;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/chat/completions',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      },
      (res) => {
        res.on('data', () => {
          if (!first) first = performance.now() - t0;
        });
        res.on('end', () => (res.statusCode === 200 ? resolve({ first, last: performance.now() - t0 }) : reject(new Error(`status ${res.statusCode}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f2 = (x) => x.toFixed(2);

const provider = await start('provider');
const tap = await start('tap', `http://127.0.0.1:${provider.port}`, join(dir, 'bench.db'));
const results = {};
try {
  // Warm up both paths (connections, JIT).
  for (let i = 0; i < (smoke ? 10 : 200); i++) {
    await one(provider.port);
    await one(tap.port);
  }
  for (const [label, concurrency, rounds] of [
    ['1 stream', 1, SERIAL],
    ['100 concurrent streams', 100, ROUNDS_100],
  ]) {
    const direct = [];
    const via = [];
    for (let r = 0; r < rounds; r++) {
      // Interleaved so both paths see the same machine load.
      direct.push(...(await Promise.all(Array.from({ length: concurrency }, () => one(provider.port)))));
      via.push(...(await Promise.all(Array.from({ length: concurrency }, () => one(tap.port)))));
    }
    const row = {};
    for (const k of ['first', 'last']) {
      const d = direct.map((x) => x[k]);
      const v = via.map((x) => x[k]);
      row[k] = { d50: pct(d, 50), d99: pct(d, 99), v50: pct(v, 50), v99: pct(v, 99) };
    }
    results[label] = { n: direct.length, ...row };
  }
  const samples = [];
  const m0 = await memory(tap.child);
  samples.push({ at: 0, ...m0 });
  const step = MEMORY_REQUESTS / 4;
  for (let done = 0; done < MEMORY_REQUESTS;) {
    const batch = Math.min(50, MEMORY_REQUESTS - done);
    await Promise.all(Array.from({ length: batch }, () => one(tap.port)));
    done += batch;
    if (done % step === 0) samples.push({ at: done, ...(await memory(tap.child)) });
  }
  results.memory = samples;
} finally {
  for (const c of children) c.kill();
  agent.destroy();
}
rmSync(dir, { recursive: true, force: true });

const lines = [];
for (const [label, r] of Object.entries(results)) {
  if (label === 'memory') continue;
  for (const [k, name] of [
    ['first', 'first byte'],
    ['last', 'last byte'],
  ]) {
    const x = r[k];
    lines.push(
      `| ${label} | ${name} | ${r.n} | ${f2(x.d50)} | ${f2(x.v50)} | ${f2(x.v50 - x.d50)} | ${f2(x.d99)} | ${f2(x.v99)} | ${f2(x.v99 - x.d99)} | ${(x.v50 / x.d50).toFixed(2)}× |`,
    );
  }
}
const mb = (b) => (b / 1024 / 1024).toFixed(1);
const mem = results.memory.map((s) => `| ${s.at} | ${mb(s.rss)} | ${mb(s.heapUsed)} |`).join('\n');
const heapGrowth = results.memory.at(-1).heapUsed - results.memory[1].heapUsed;
const md = `## kimi-tap: what the tap adds to a request

\`npm run bench:tap\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores shared with other work).
The fake OpenAI-compatible provider (\`simulator/provider.mjs\`, 16 SSE chunks and a usage chunk) and
kimi-tap (with a SQLite file, as a user runs it) each in their own process; streamed chat completions,
direct and through the tap, interleaved. Milliseconds.

| load | to the | requests | direct p50 | tap p50 | added p50 | direct p99 | tap p99 | added p99 | tap/direct p50 |
|---|---|---|---|---|---|---|---|---|---|
${lines.join('\n')}

Tap memory after a full GC over ${MEMORY_REQUESTS.toLocaleString('en-US')} streamed requests through it (50 at a time);
heap change from the first quarter to the end: ${(heapGrowth / 1024 / 1024).toFixed(2)} MB.

| requests | RSS MB | heap MB |
|---|---|---|
${mem}

The SQLite rows are written by a queue flushed every 200 ms in one transaction, after the responses;
the observation (SSE parsing of a copy, the token estimate) runs after each chunk is written on.`;
console.log(md);
if (!smoke) writeSection('tap', md);
else {
  const s1 = results['1 stream'].first;
  if (!(s1.v50 > 0 && results.memory.length >= 2)) {
    console.error('bench:tap smoke: no measurement');
    process.exit(1);
  }
  console.log('bench:tap smoke: ok');
}
process.exit(0);
