// Used by the apps test: `vite build`, and `vite` (dev) with the README's proxy for `url` left empty:
// `/ws` (the stream) and `/api` (history, `GET /api/sessions/{id}`) both go to Kimi Proxy.
// KIMI_TARGET is where Kimi Proxy (here the simulator) listens, e.g. http://127.0.0.1:8000;
// KIMI_PROXY_API=0 leaves `/api` out, as the README's recipe once did.
const target = process.env.KIMI_TARGET;
const withApi = process.env.KIMI_PROXY_API !== '0';

export default {
  build: { target: 'es2022' },
  server: target
    ? {
        proxy: {
          '/ws': { target: target.replace(/^http/, 'ws'), ws: true },
          ...(withApi ? { '/api': target } : {}),
        },
      }
    : {},
};
