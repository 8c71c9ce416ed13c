// `npm run bench:input`: input during a flood, per engine. Runs test/browser/input-flood.bench.ts in
// each browser in turn (never two at once: they would share the 2 cores), collects its `[bench]`
// lines, prints a table and writes bench/results/input-flood.md. `BROWSERS=firefox` picks browsers.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { BROWSERS, browserVersion, findBrowsers, selectedBrowsers } from '../scripts/find-browsers.mjs';
import { writeSection } from './report-section.mjs';

const names = selectedBrowsers();
const loadAtStart = loadavg()[0];
findBrowsers(names);
const results = [];
for (const name of names) {
  console.log(`${BROWSERS[name].label}…`);
  const run = spawnSync('npx', ['web-test-runner'], {
    env: { ...process.env, BROWSERS: name, WTR_FILES: 'test/browser/input-flood.bench.ts' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = [...run.stdout.matchAll(/\[bench\] (\{.*\})/g)].map((m) => JSON.parse(m[1]));
  if (run.status !== 0 || !lines.length) {
    console.error(run.stdout.slice(-4000), run.stderr.slice(-2000));
    throw new Error(`${BROWSERS[name].label}: the benchmark failed (exit ${run.status})`);
  }
  results.push(...lines);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const range = (xs) => `${Math.min(...xs)}–${Math.max(...xs)}`;
const version = (name) => browserVersion(name, findBrowsers([name])[name]);

const rows = [];
for (const name of names) {
  const label = BROWSERS[name].label;
  for (const variant of ['bare', 'dashboard']) {
    const rs = results.filter((r) => r.engine === label && r.variant === variant);
    if (!rs.length) continue;
    rows.push(
      `| ${label} | ${variant} | ${median(rs.map((r) => r.floodMs))} (${range(rs.map((r) => r.floodMs))}) | ${median(rs.map((r) => r.maxDelay))} (${range(rs.map((r) => r.maxDelay))}) | ${median(rs.map((r) => r.medianDelay))} | ${range(rs.map((r) => r.presses))} | ${median(rs.map((r) => r.idleDelay))} |`,
    );
  }
}
const table = [
  '| engine | page | flood handled in, ms: median (range) | slowest key press, ms: median (range) | median key press during the flood, ms | presses during the flood | key press on the idle page, ms |',
  '|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');
const versions = names.map(version).join(', ');
const md = `## Input during a flood, per engine

\`npm run bench:input\`, ${new Date().toISOString().slice(0, 10)}: ${versions}; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}, load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end (other work shares the machine).
${results.length / (names.length * 2)} interleaved rounds per engine. The simulator sends 50,000 \`metric_updated\` frames (two sessions, half filtered)
as fast as backpressure allows while the test runner types into an input on the page, one press after another
(CDP in Chromium, WebDriver BiDi in Firefox, WebDriver classic in WebKit). A key press's delay runs from the
moment the runner sent it to the page's keydown handler (epoch ms on both sides). \`dashboard\` is
\`<kimi-realtime session-id="1">\` with all four elements; \`bare\` is a native WebSocket with JSON.parse, the
session check and a CustomEvent per delivered frame.

${table}
`;
writeSection('input-flood', md);
console.log(`\n${md}\nwrote bench/results/input-flood.md and its section of BENCHMARKS.md`);
