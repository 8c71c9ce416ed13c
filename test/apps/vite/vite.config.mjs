// Used by the apps test: `vite build`, and `vite` (dev) with the README's proxy for `url` left empty.
// KIMI_WS_TARGET is where Kimi Proxy (here the simulator) listens, e.g. ws://127.0.0.1:8000.
const target = process.env.KIMI_WS_TARGET;

export default {
  build: { target: 'es2022' },
  server: target ? { proxy: { '/ws': { target, ws: true } } } : {},
};
