// `npm start`: build, start the Kimi Proxy simulator, serve the demo, print the URL to open.
// Options: PORT (demo, default 8080), SIM_PORT (WebSocket, default 8765), SIM_CONTROL_PORT (8766), RATE (frames/s, default 6).
import { execSync } from 'node:child_process';
import { startHub } from '../simulator/control.mjs';
import { startStaticServer } from './static-server.mjs';

const port = Number(process.env.PORT ?? 8080);
const simPort = Number(process.env.SIM_PORT ?? 8765);
const controlPort = Number(process.env.SIM_CONTROL_PORT ?? 8766);
const rate = Number(process.env.RATE ?? 6);

if (!process.argv.includes('--no-build')) {
  console.log('Building…');
  execSync('npm run --silent build', { stdio: 'inherit' });
}
const hub = await startHub({ host: '127.0.0.1', port: simPort, controlPort, rate, sessions: [1, 2], activeSession: 1 });
const site = await startStaticServer({
  root: '.',
  allow: ['demo', 'dist'],
  port,
  wsTarget: () => hub.main.port,
  routes: {
    '/demo/config.json': (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ control: hub.controlUrl, ws: hub.main.url }));
    },
  },
});

console.log(`
Kimi Proxy simulator: ${hub.main.url} (control ${hub.controlUrl}), ${rate} frames/s, sessions 1 and 2
Demo dashboard:       ${site.url}/demo/      ← open this

Press Ctrl+C to stop.`);

const stop = async () => {
  await site.close();
  await hub.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
