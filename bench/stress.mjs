// `npm run test:stress`: the long fault suite (test/browser/hardening.test.ts with STRESS=1: 50 restarts,
// 100 clients, 1,000 mount cycles, 1 M messages with the dashboard, 1 MB and 10 MB hostile strings in
// every field of every message type) in each selected browser in turn, Chromium alone by default (the
// heap figures need its performance.memory and gc()). Its output is shown as it runs; the `[measured]`
// lines are collected into bench/results/stress.md and the stress section of BENCHMARKS.md, and the
// exit status is the suite's.
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { stripVTControlCharacters } from 'node:util';
import { BROWSERS, browserVersion, findBrowsers, selectedBrowsers } from '../scripts/find-browsers.mjs';
import { writeSection } from './report-section.mjs';

const names = selectedBrowsers(process.env.BROWSERS || 'chromium');
const found = findBrowsers(names);
const loadAtStart = loadavg()[0];
const started = Date.now();
const measured = [];
let failed = false;
for (const name of names) {
  const label = BROWSERS[name].label;
  console.log(`\n· ${label}`);
  const child = spawn('npx', ['web-test-runner'], {
    env: { ...process.env, BROWSERS: name, STRESS: '1', WTR_FILES: 'test/browser/hardening.test.ts' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    process.stdout.write(d);
    out += d;
  });
  const status = await new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  failed ||= status !== 0;
  const lines = [...new Set([...stripVTControlCharacters(out).matchAll(/\[measured\] (.*)/g)].map((m) => m[1].trim()))];
  measured.push({ label, version: browserVersion(name, found[name]), status, lines });
}

const minutes = ((Date.now() - started) / 60_000).toFixed(0);
const md = `## Stress suite (faults at scale)

\`npm run test:stress\`, ${new Date().toISOString().slice(0, 10)}: ${measured.map((m) => m.version).join(', ')}; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}, load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end; ${minutes} min.
\`test/browser/hardening.test.ts\` with \`STRESS=1\`, against the simulator in its own process; every line below is printed by
a test that also asserts its bound (see the README's fault table). 1 M messages: a mix of every message type
with the four dashboard elements mounted; "nodes" counts every node of the page and of every shadow root,
comments included; the heap is read after a forced GC.

${measured
  .map(
    (m) => `### ${m.label}${m.status === 0 ? '' : ` (the suite failed: exit ${m.status})`}

${m.lines.map((l) => `- ${l}`).join('\n') || '- (no figures printed)'}`,
  )
  .join('\n\n')}
`;
writeSection('stress', md);
console.log(`\n${md}\nwrote bench/results/stress.md and its section of BENCHMARKS.md`);
process.exit(failed ? 1 : 0);
