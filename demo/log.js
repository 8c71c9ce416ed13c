// Event log demo: everything below is what a page author writes; the socket is <kimi-realtime>'s.
const conn = document.getElementById('conn');
const log = document.getElementById('log');
const MAX_ROWS = 200;
let pending = [];
let frame = 0;

function row(kind, text, detail) {
  pending.push({ kind, text, detail, at: new Date() });
  if (!frame) frame = requestAnimationFrame(flush); // one DOM update per frame, however many events
}

function flush() {
  frame = 0;
  const fragment = document.createDocumentFragment();
  for (const { kind, text, detail, at } of pending.splice(0)) {
    const li = document.createElement('li');
    li.className = kind;
    const time = document.createElement('time');
    time.textContent = at.toLocaleTimeString();
    const name = document.createElement('b');
    name.textContent = text;
    const body = document.createElement('code');
    body.textContent = JSON.stringify(detail);
    li.append(time, name, body);
    fragment.prepend(li);
  }
  log.prepend(fragment);
  while (log.childElementCount > MAX_ROWS) log.lastElementChild.remove();
  const s = conn.stats;
  document.getElementById('stats').textContent =
    `received ${s.framesReceived} · delivered ${s.delivered} · filtered ${s.filtered} · malformed ${s.malformed} · reconnects ${s.reconnects}`;
}

document.addEventListener('kimi:message', (e) => row('message', `kimi:${e.detail.type}`, e.detail));
document.addEventListener('kimi:error', (e) => row('error', `kimi:error ${e.detail.kind}`, e.detail));
document.addEventListener('kimi:status', (e) => {
  const { state, attempt, nextRetryAt } = e.detail;
  document.getElementById('state').textContent =
    state + (nextRetryAt ? ` (retry ${attempt} in ${Math.max(0, Math.round((nextRetryAt - Date.now()) / 100) / 10)} s)` : '');
  row('status', `kimi:status ${state}`, e.detail);
});

document.getElementById('session').addEventListener('change', (e) => {
  if (e.target.value) conn.setAttribute('session-id', e.target.value);
  else conn.removeAttribute('session-id');
});

const config = fetch('config.json')
  .then((r) => r.json())
  .catch(() => null);
async function control(path) {
  const c = await config;
  if (c) await fetch(`${c.control}/sim/main/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
}
document.getElementById('drop').addEventListener('click', () => control('drop'));
document.getElementById('restart').addEventListener('click', () => control('restart'));
