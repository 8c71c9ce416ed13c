// `npm start -- --tap`: the demo page fed by kimi-tap. A fake OpenAI-compatible provider
// (simulator/provider.mjs), kimi-tap in front of it, and a client that makes chat requests through
// the tap like an IDE: a conversation that grows until its context is nearly full, then starts over;
// a few requests on another model (a session of their own, as Kimi Proxy's auto-session does); now and
// then a stream without usage (estimated), one cut half way, one answered 500.
import http from 'node:http';
import { FakeProvider } from '../simulator/provider.mjs';
import { KimiTap } from '../tap/lib/tap.mjs';
import { startStaticServer } from './static-server.mjs';

const WORDS = 'the tap passes every request through untouched and counts what goes by so the page shows it live'.split(' ');
const filler = (words) => Array.from({ length: words }, (_, i) => WORDS[(i * 7) % WORDS.length]).join(' ');

export async function startTapDemo({ port, tapPort, db }) {
  const provider = await new FakeProvider({ chunks: 24, chunkDelayMs: 25 }).start();
  const tap = new KimiTap({ upstream: provider.url, port: tapPort, db, log: (l) => console.log(l) });
  await tap.start();
  const site = await startStaticServer({
    root: '.',
    allow: ['demo', 'dist'],
    port,
    wsTarget: () => tap.port,
    apiTarget: () => tap.port,
    routes: {
      '/demo/config.json': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify({ control: null, ws: `ws://127.0.0.1:${tap.port}/ws` }));
      },
    },
  });

  let n = 0;
  let messages = [];
  const send = () => {
    n += 1;
    const model = n >= 4 && n <= 6 ? 'gpt-4o-mini' : 'kimi-k2.6';
    if (model === 'kimi-k2.6') {
      // Grows by about 3,000–12,000 tokens a turn; starts over once past 95 % of 262,144.
      const size = JSON.stringify(messages).length / 4;
      if (size > 262_144 * 0.95) messages = [];
      messages.push({ role: 'user', content: filler(2000 + Math.floor(Math.random() * 7000)) }, { role: 'assistant', content: filler(300) });
    }
    const body = {
      model,
      stream: n % 9 !== 0,
      ...(n % 7 === 0 ? {} : { stream_options: { include_usage: true } }),
      messages: model === 'kimi-k2.6' ? messages : [{ role: 'user', content: filler(500) }],
    };
    const misbehave = n % 23 === 0 ? 'cut' : n % 31 === 0 ? '5xx' : '';
    const req = http.request(`${tap.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-demo-not-a-real-key', ...(misbehave ? { 'x-fake-provider': misbehave } : {}) },
    });
    req.on('response', (res) => res.resume());
    req.on('error', () => {});
    req.end(JSON.stringify(body));
  };
  const timer = setInterval(send, 1500);
  send();

  console.log(`
Fake provider:  ${provider.url}/v1 (answers like OpenAI's API)
kimi-tap:       ${tap.url} → ${provider.url}; the page connects to ${tap.url.replace('http', 'ws')}/ws
                a chat request goes through it every 1.5 s${db ? `; history in ${db}` : ''}
Demo dashboard: ${site.url}/demo/      ← open this

Try it yourself: curl -N ${tap.url}/v1/chat/completions -H 'content-type: application/json' \\
  -d '{"model":"kimi-k2.6","stream":true,"messages":[{"role":"user","content":"hi"}]}'
(The simulator buttons do nothing here: the sessions follow the requests.) Press Ctrl+C to stop.`);

  const stop = async () => {
    clearInterval(timer);
    await site.close();
    await tap.stop();
    await provider.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
