// Benchmark page. Chromium is started by hand with no DevTools client attached (no frame or console
// mirroring), loads this page, asks the bench server for its task, runs it, posts the figures, and
// reloads for the next task. Variants of one measurement are interleaved round by round by the server.
const post = (path, body) =>
  fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}) }).then((r) => r.json());
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stage = document.getElementById('stage');

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Opens the variant's connection; `onMetric(detail)` runs for each delivered kimi:metric_updated of session 1. */
async function connect(variant, url, onMetric) {
  document.addEventListener('kimi:metric_updated', (e) => onMetric(e.detail));
  if (variant === 'raw') {
    // The physical limit: native WebSocket → JSON.parse → session check → CustomEvent.
    const ws = new WebSocket(url);
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.session_id === 1) stage.dispatchEvent(new CustomEvent('kimi:metric_updated', { detail: m, bubbles: true, composed: true }));
    };
    await new Promise((r) => (ws.onopen = r));
    return () => ws.close();
  }
  if (variant === 'raw3') {
    // Analysis: the raw page dispatching the three events ours dispatches per delivered metric frame
    // (kimi:metric_updated, kimi:metric, kimi:message, in that order): what the public events cost by themselves.
    const ws = new WebSocket(url);
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.session_id === 1) {
        stage.dispatchEvent(new CustomEvent('kimi:metric_updated', { detail: m, bubbles: true, composed: true }));
        stage.dispatchEvent(new CustomEvent('kimi:metric', { detail: m, bubbles: true, composed: true }));
        stage.dispatchEvent(new CustomEvent('kimi:message', { detail: m, bubbles: true, composed: true }));
      }
    };
    await new Promise((r) => (ws.onopen = r));
    return () => ws.close();
  }
  if (variant === 'partysocket') {
    const { default: ReconnectingWebSocket } = await import('/node_modules/partysocket/dist/ws.js');
    const ws = new ReconnectingWebSocket(url);
    ws.addEventListener('message', (e) => {
      const m = JSON.parse(e.data);
      if (m.session_id === 1) stage.dispatchEvent(new CustomEvent('kimi:metric_updated', { detail: m, bubbles: true, composed: true }));
    });
    await new Promise((r) => ws.addEventListener('open', r, { once: true }));
    return () => ws.close();
  }
  // Ours, from the script-tag bundle a page would use. `ours:<name>` (analysis): a copy of another build of
  // the bundle put in dist/<name>/, to compare two builds interleaved in one browser.
  await import(variant.startsWith('ours:') ? `/dist/${variant.slice(5)}/kimi-realtime-core.esm.js` : '/dist/cdn/kimi-realtime-core.esm.js');
  const el = document.createElement('kimi-realtime');
  el.setAttribute('url', url);
  el.setAttribute('session-id', '1');
  stage.append(el);
  while (el.state !== 'open') await sleep(5);
  return () => el.remove();
}

/**
 * `--trace-timers`: wraps setTimeout(…, 0) before the bundle loads, to see how a blast is drained (the
 * frame pump's slices): how many zero-delay timers ran, how long each waited after it was set (HTML
 * clamps timers nested more than 5 deep to ≥ 4 ms) and how long each ran.
 */
function traceTimers() {
  const waits = [];
  const runs = [];
  const native = globalThis.setTimeout;
  globalThis.setTimeout = function (fn, delay, ...rest) {
    if (delay || typeof fn !== 'function') return native(fn, delay, ...rest);
    const setAt = performance.now();
    return native(() => {
      const start = performance.now();
      waits.push(start - setAt);
      try {
        fn(...rest);
      } finally {
        runs.push(performance.now() - start);
      }
    }, 0);
  };
  return () => {
    globalThis.setTimeout = native;
    const sum = (xs) => xs.reduce((a, b) => a + b, 0);
    const sorted = (xs) => [...xs].sort((a, b) => a - b);
    return {
      timers: waits.length,
      waitMsTotal: sum(waits),
      waitMsMedian: percentile(sorted(waits), 50),
      waitsOver3ms: waits.filter((w) => w >= 3).length,
      runMsTotal: sum(runs),
      runMsMedian: percentile(sorted(runs), 50),
    };
  };
}

async function delivery(task) {
  const stopTrace = task.traceTimers ? traceTimers() : null;
  const expected = Math.ceil(task.count / 2);
  let calls = 0;
  let bad = 0;
  let lastSeq = -2;
  let first = 0;
  let last = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  let lagEnd = 0;
  const close = await connect(task.variant, task.url, (m) => {
    const t = performance.now();
    if (calls === 0) first = t;
    last = t;
    lagEnd = performance.timeOrigin + t - m.sent_at;
    calls++;
    if (m.seq !== lastSeq + 2) bad++;
    lastSeq = m.seq;
    if (calls === expected) done();
  });
  await post('/bench/blast', { count: task.count, size: task.size, rate: 0 });
  const timeout = sleep(task.timeoutMs ?? 30000).then(() => 'timeout');
  const outcome = await Promise.race([finished, timeout]);
  await sleep(50); // a duplicate would arrive right after
  close();
  const seconds = (last - first) / 1000;
  return {
    ...(stopTrace ? { timers: stopTrace(), blastMs: last - first } : {}),
    // How long after it was sent the last frame reached the listener (a backlog drained at the end shows here).
    lagAtEndMs: lagEnd,
    calls,
    expected,
    outOfOrderOrDuplicate: bad,
    timedOut: outcome === 'timeout',
    framesPerSecond: (task.count - 2) / seconds,
    callsPerSecond: (calls - 1) / seconds,
  };
}

async function latency(task) {
  const latencies = new Float64Array(task.count);
  let n = 0;
  let done;
  const expected = Math.ceil(task.count / 2);
  const finished = new Promise((r) => (done = r));
  const close = await connect(task.variant, task.url, (m) => {
    latencies[n++] = now() - m.sent_at;
    if (n === expected) done();
  });
  await post('/bench/blast', { count: task.count, size: 'small', rate: task.rate });
  await Promise.race([finished, sleep((task.count / task.rate) * 1000 + 10000)]);
  close();
  const warm = Math.floor(n * 0.1);
  const sorted = Array.from(latencies.subarray(warm, n)).sort((a, b) => a - b);
  return { received: n, expected, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

async function dashboard(task) {
  await import('/dist/cdn/kimi-realtime.esm.js');
  const longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: false });
  stage.innerHTML = `<kimi-realtime url="${task.url}" session-id="1">
    <kimi-context-gauge></kimi-context-gauge><kimi-metric-chart></kimi-metric-chart>
    <kimi-alert-feed></kimi-alert-feed><kimi-connection-status></kimi-connection-status></kimi-realtime>`;
  const source = stage.querySelector('kimi-realtime');
  while (source.state !== 'open') await sleep(5);
  const RENDERS = Symbol.for('kimi-realtime.renders'); // the elements' render counter (not public API)
  const children = [...source.children].filter((c) => RENDERS in c);
  let frames = 0;
  let running = true;
  let lastFrame = 0;
  let maxFrameGap = 0;
  let measuring = false;
  const tick = (t) => {
    frames++;
    if (measuring && lastFrame) maxFrameGap = Math.max(maxFrameGap, t - lastFrame);
    lastFrame = t;
    if (running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const blast = post('/bench/blast', { count: Math.round(task.rate * task.seconds), size: 'small', rate: task.rate });
  const warmup = Math.min(2000, task.seconds * 250);
  await sleep(warmup);
  globalThis.gc();
  globalThis.gc();
  const heapBefore = performance.memory.usedJSHeapSize;
  const renders0 = children.map((c) => c[RENDERS]);
  const frames0 = frames;
  const longBefore = longTasks.length;
  measuring = true;
  const t0 = performance.now();
  await blast;
  while (source.stats.delivered < Math.round((task.rate * task.seconds) / 2) - 1 && performance.now() - t0 < task.seconds * 3000) await sleep(20);
  const t1 = performance.now();
  running = false;
  const frameCount = frames - frames0;
  const renders = children.map((c, i) => c[RENDERS] - renders0[i]);
  await sleep(100);
  globalThis.gc();
  globalThis.gc();
  const heapAfter = performance.memory.usedJSHeapSize;
  const measured = longTasks.slice(longBefore);
  return {
    fps: frameCount / ((t1 - t0) / 1000),
    longestTaskMs: measured.length ? Math.max(...measured) : 0,
    longTasksOver50: measured.filter((d) => d >= 50).length,
    maxFrameGapMs: maxFrameGap,
    rendersPerElementPerFrame: Object.fromEntries(children.map((c, i) => [c.localName, renders[i] / frameCount])),
    renders: Object.fromEntries(children.map((c, i) => [c.localName, renders[i]])),
    frames: frameCount,
    heapBeforeMB: heapBefore / 2 ** 20,
    heapAfterMB: heapAfter / 2 ** 20,
    heapGrowthMB: (heapAfter - heapBefore) / 2 ** 20,
    delivered: source.stats.delivered,
  };
}

async function reconnect(task) {
  await import('/dist/cdn/kimi-realtime-core.esm.js');
  const el = document.createElement('kimi-realtime');
  el.setAttribute('url', task.url);
  el.setAttribute('session-id', '1');
  el.setAttribute('reconnect-delay', String(task.delay));
  stage.append(el);
  while (el.state !== 'open') await sleep(5);
  let scheduledAt = null;
  el.addEventListener('kimi:status', (e) => {
    if (e.detail.nextRetryAt && scheduledAt === null) scheduledAt = e.detail.nextRetryAt;
  });
  let firstEventAt = null;
  let dropped = false;
  el.addEventListener('kimi:metric_updated', () => {
    if (dropped && firstEventAt === null) firstEventAt = now();
  });
  const restart = post('/bench/restart', { downMs: task.downMs });
  dropped = true;
  const { droppedAt } = await restart;
  while (firstEventAt === null && now() - droppedAt < 60000) await sleep(5);
  el.remove();
  await post('/bench/trickle-stop');
  return { restartToEventMs: firstEventAt - droppedAt, scheduledRetryMs: scheduledAt - droppedAt, downMs: task.downMs, delay: task.delay };
}

const KINDS = { delivery, latency, dashboard, reconnect };

const task = await post('/bench/task');
if (task.done) {
  document.getElementById('status').textContent = 'done';
} else {
  document.getElementById('status').textContent = `${task.kind} ${JSON.stringify(task)}`;
  let result;
  try {
    result = await KINDS[task.kind](task);
  } catch (error) {
    result = { error: String(error?.stack ?? error) };
  }
  await post('/bench/result', { id: task.id, result });
  location.reload();
}
