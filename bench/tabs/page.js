// Page of bench/tabs.mjs: the demo's two panels connected to the simulator named by `?ws=`, and a record
// of what happened to each <kimi-realtime>, read by the harness through `window.__tabs.read()`.
// Timestamps are epoch ms (Date.now() in the listener), comparable with the harness's clock. Nothing is
// logged: a console call per event would slow the page and, through the driver, the browser.
(() => {
  const url = new URL(location.href).searchParams.get('ws');
  const panels = /** @type {HTMLTemplateElement} */ (document.getElementById('panels')).content.cloneNode(true);
  for (const el of panels.querySelectorAll('kimi-realtime')) el.setAttribute('url', url);

  /** Per element: every transition to open, and every retry scheduled (its time and number). */
  const opens = { live: [], pinned: [] };
  const retries = { live: [], pinned: [] };
  document.addEventListener('kimi:status', (e) => {
    const id = /** @type {Element} */ (e.target).id;
    if (!opens[id]) return;
    if (e.detail.state === 'open' && opens[id].length < 1000) opens[id].push(Date.now());
    if (e.detail.nextRetryAt !== null && retries[id].length < 1000) retries[id].push({ at: Date.now(), attempt: e.detail.attempt });
  });

  // Delivery: blast frames (they carry `seq` and the server's `sent_at`), each counted once per tab.
  const MAX = 100_000;
  let seen = new Uint8Array(0);
  let delivery = { count: 0, first: 0, last: 0, latencies: [] };
  // Frames after a mark (failover): the first one the server sent after it, and when it arrived.
  let mark = null;
  let resumed = null;
  document.addEventListener('kimi:message', (e) => {
    const m = e.detail;
    const sentAt = typeof m.sent_at === 'number' ? m.sent_at : null;
    if (sentAt === null) return;
    const now = performance.timeOrigin + performance.now();
    if (typeof m.seq === 'number' && m.seq >= 0 && m.seq < seen.length && !seen[m.seq]) {
      seen[m.seq] = 1;
      if (delivery.count === 0) delivery.first = now;
      delivery.count += 1;
      delivery.last = now;
      delivery.latencies.push(now - sentAt);
    }
    if (mark !== null && resumed === null && sentAt > mark) resumed = { at: now, sentAt };
  });

  /**
   * Which part this tab plays in sharing, from `<kimi-realtime>`'s connection metrics:
   * `stats.connection.heldBy` is `this-tab` where the tab holds the socket, `another-tab` where another
   * tab holds it and passes its frames on. null while not connected or when the build has no such field.
   * A build without cross-tab sharing says `this-tab` in every tab: the harness looks for a follower.
   */
  function role(el) {
    const heldBy = el.stats?.connection?.heldBy;
    return heldBy === 'this-tab' ? 'leader' : heldBy === 'another-tab' ? 'follower' : null;
  }

  window.__tabs = {
    read() {
      const els = [...document.querySelectorAll('kimi-realtime')];
      const roles = els.map(role);
      return {
        visibility: document.visibilityState,
        elements: els.map((el) => ({ id: el.id, state: el.state, opens: opens[el.id], retries: retries[el.id] })),
        role: roles.includes('leader') ? 'leader' : roles.includes('follower') ? 'follower' : null,
        stats: els.map((el) => el.stats),
      };
    },
    startDelivery(count) {
      seen = new Uint8Array(Math.min(count, MAX));
      delivery = { count: 0, first: 0, last: 0, latencies: [] };
    },
    delivery() {
      const l = [...delivery.latencies].sort((a, b) => a - b);
      const at = (q) => (l.length ? l[Math.min(l.length - 1, Math.floor(q * l.length))] : null);
      return { count: delivery.count, ms: delivery.last - delivery.first, p50: at(0.5), p95: at(0.95) };
    },
    mark(at) {
      mark = at;
      resumed = null;
    },
    resumed() {
      return resumed;
    },
  };
  document.querySelector('main').append(panels);
})();
