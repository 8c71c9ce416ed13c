// `npm start`: build, start the Kimi Proxy simulator, serve the demo, print the URL to open.
// The demo server passes `/ws` and `/api/` through to the simulator, so the page talks to its own
// host like the dashboard Kimi Proxy serves itself.
// Options: PORT (demo, default 8080), SIM_PORT (WebSocket and HTTP routes, default 8765),
// SIM_CONTROL_PORT (8766), RATE (frames/s, default 6), SWITCH_EVERY (mean frames between scheduled
// active-session changes, default 240; 0 = only the buttons change it), SIM_TZ (the simulated
// server's time zone, e.g. Europe/Paris; default this machine's).
// `npm start -- --tap`: the demo through kimi-tap instead: a fake OpenAI-compatible provider, kimi-tap in
// front of it (TAP_PORT, default 8011; TAP_DB to keep the history in a file), and a client making chat
// requests through the tap every ~1.5 s, so requests turn into live readings as they would from an IDE.
import { execSync } from 'node:child_process';
import { startHub } from '../simulator/control.mjs';
import { startStaticServer } from './static-server.mjs';

const port = Number(process.env.PORT ?? 8080);
const simPort = Number(process.env.SIM_PORT ?? 8765);
const controlPort = Number(process.env.SIM_CONTROL_PORT ?? 8766);
const rate = Number(process.env.RATE ?? 6);
const switchEvery = Number(process.env.SWITCH_EVERY ?? 240);
const tz = process.env.SIM_TZ || undefined;

if (!process.argv.includes('--no-build')) {
  console.log('Building…');
  execSync('npm run --silent build', { stdio: 'inherit' });
}
if (process.argv.includes('--tap')) {
  execSync('node scripts/ensure-deps.mjs tap', { stdio: 'inherit' });
  const { startTapDemo } = await import('./tap-demo.mjs');
  await startTapDemo({ port, tapPort: Number(process.env.TAP_PORT ?? 8011), db: process.env.TAP_DB });
} else {
  // Sessions 1 (the default one, no model) and 2 exist with history; 1 is active, so the first request
  // names a model and auto-creates session 3, as on a fresh Kimi Proxy.
  const hub = await startHub({ host: '127.0.0.1', port: simPort, controlPort, rate, sessions: [1, 2], activeSession: 1, switchEvery, tz });
  const site = await startStaticServer({
    root: '.',
    allow: ['demo', 'dist'],
    port,
    wsTarget: () => hub.main.port,
    apiTarget: () => hub.main.port,
    routes: {
      '/demo/config.json': (req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify({ control: hub.controlUrl, ws: hub.main.url }));
      },
    },
  });

  console.log(`
Kimi Proxy simulator: ${hub.main.url} (control ${hub.controlUrl}), ${rate} frames/s to the active session,
                      ${switchEvery ? `the active session changes every ~${switchEvery} frames` : 'the active session changes only with the buttons'}${tz ? `, clock ${tz}` : ''}
Demo dashboard:       ${site.url}/demo/      ← open this

Press Ctrl+C to stop.`);

  const stop = async () => {
    await site.close();
    await hub.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
