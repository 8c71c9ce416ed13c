// A process for bench/tap.mjs: the fake provider or kimi-tap (with a SQLite file), reporting its port
// and, when asked, its memory after a full GC (run with --expose-gc).
import { KimiTap } from '../tap/lib/tap.mjs';
import { FakeProvider } from '../simulator/provider.mjs';

const [role, upstream, db] = process.argv.slice(2);
let port;
if (role === 'provider') port = (await new FakeProvider({ chunks: 16 }).start()).port;
else {
  const tap = new KimiTap({ upstream, port: 0, db, log: () => {} });
  await tap.start();
  port = tap.port;
}
process.send({ port });
process.on('message', (m) => {
  if (m !== 'mem') return;
  globalThis.gc?.();
  const u = process.memoryUsage();
  process.send({ mem: { rss: u.rss, heapUsed: u.heapUsed } });
});
