// Demo wiring: session pickers and the simulator's fault buttons. The dashboard itself is markup.
for (const select of document.querySelectorAll('select[data-for]')) {
  const panel = document.getElementById(select.dataset.for);
  const title = panel.querySelector('h2');
  const show = () => (title.textContent = select.value ? `Session ${select.value}` : `Active session (${panel.activeSessionId ?? '…'})`);
  select.addEventListener('change', () => {
    if (select.value) panel.setAttribute('session-id', select.value);
    else panel.removeAttribute('session-id');
    show();
  });
  panel.addEventListener('kimi:init', show);
  panel.addEventListener('kimi:session_activated', show);
  show();
}

const config = fetch('config.json').then((r) => (r.ok ? r.json() : null)).catch(() => null);
async function control(path, body = {}) {
  const c = await config;
  if (!c) return alert('The simulator control interface is not available (start the demo with npm start).');
  await fetch(`${c.control}/sim/main/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}
document.getElementById('drop').addEventListener('click', () => control('drop'));
document.getElementById('restart').addEventListener('click', () => control('restart', { downMs: 2000 }));
