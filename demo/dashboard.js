// Demo wiring: panel titles, the pinned panel's picker and the simulator's buttons. The dashboard
// itself is the markup. Session names come from Kimi Proxy's own HTTP route on this host.
const pinned = document.getElementById('pinned');
const pick = document.getElementById('pin');
const notice = document.getElementById('notice');
/** @type {Array<{id: number, name: string, is_active: number}>} */
let sessions = [];

const label = (id) => {
  const s = sessions.find((x) => String(x.id) === String(id));
  return s ? `Session ${s.id} · ${s.name}` : `Session ${id}`;
};

function render() {
  const active = sessions.find((s) => s.is_active === 1);
  document.getElementById('title-live').textContent = active ? `Active: ${label(active.id)}` : 'Active session (none)';
  const id = pinned.getAttribute('session-id');
  const state = !sessions.some((s) => String(s.id) === id) ? 'deleted' : String(active?.id) === id ? 'active' : 'not active';
  document.getElementById('title-pinned').textContent = `${label(id)} (${state})`;
  const options = sessions.map((s) => new Option(`${s.id} · ${s.name}`, String(s.id), false, String(s.id) === id));
  if (state === 'deleted') options.unshift(new Option(`${id} (deleted)`, id, false, true));
  pick.replaceChildren(...options);
  document.getElementById('delete').disabled = state === 'deleted';
}

// One request at a time; a change announced while one is in flight gets one more after it.
let loading = false;
let again = false;
async function refresh() {
  if (loading) {
    again = true;
    return;
  }
  loading = true;
  do {
    again = false;
    try {
      const list = await fetch('/api/sessions').then((r) => (r.ok ? r.json() : null));
      if (Array.isArray(list)) sessions = list;
    } catch {
      /* server down: keep the last list */
    }
  } while (again);
  loading = false;
  render();
}

pick.addEventListener('change', () => {
  pinned.setAttribute('session-id', pick.value);
  render();
});
// The server announces every change of the session list on the socket; each panel passes on the
// ones about its session (a deletion reaches the pinned panel), and the events bubble to the document.
for (const type of ['init', 'session_activated', 'new_session', 'auto_session_created', 'sessions_bulk_deleted']) {
  document.addEventListener(`kimi:${type}`, refresh);
}
refresh();

const config = fetch('config.json')
  .then((r) => (r.ok ? r.json() : null))
  .catch(() => null);
async function control(path, body = {}) {
  const c = await config;
  if (!c) {
    notice.textContent = 'The simulator control interface is not available (start the demo with npm start).';
    return;
  }
  const r = await fetch(`${c.control}/sim/main/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await r.json().catch(() => ({}));
  notice.textContent = r.ok ? '' : (answer.error ?? `${path} failed`);
  refresh();
}
document.getElementById('switch').addEventListener('click', () => control('switch'));
document.getElementById('create').addEventListener('click', () => control('session', { via: 'http' }));
document.getElementById('delete').addEventListener('click', () => control('delete', { sessionIds: [Number(pinned.getAttribute('session-id'))] }));
document.getElementById('drop').addEventListener('click', () => control('drop'));
document.getElementById('restart').addEventListener('click', () => control('restart', { downMs: 2000 }));
