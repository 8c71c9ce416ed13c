// Shared by the tap's tests: a fake provider, a tap in front of it, a dashboard client on its /ws.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import WebSocket from 'ws';
import { KimiTap } from '../lib/tap.mjs';
import { FakeProvider } from '../../simulator/provider.mjs';

export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
export const tmpDb = () => join(mkdtempSync(join(tmpdir(), 'kimi-tap-')), 'history.db');

/** Starts a fake provider and a tap in front of it; `lines` gets every log line of the tap. */
export async function startPair({ provider = {}, tap = {} } = {}) {
  const fake = await new FakeProvider({ fixed: true, ...provider }).start();
  const lines = [];
  const t = new KimiTap({ upstream: fake.url, port: 0, db: tmpDb(), log: (l) => lines.push(l), ...tap });
  await t.start();
  return {
    fake,
    tap: t,
    lines,
    async stop() {
      await t.stop();
      await fake.stop();
    },
  };
}

/** A dashboard client: collects every frame; `next(pred)` resolves with the first matching frame (seen or to come). */
export async function dashboard(url) {
  const ws = new WebSocket(url.replace('http', 'ws') + '/ws');
  const frames = [];
  const waiters = [];
  ws.on('message', (m) => {
    const f = JSON.parse(String(m));
    frames.push(f);
    for (const w of [...waiters])
      if (w.pred(f)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(f);
      }
  });
  await once(ws, 'open');
  return {
    ws,
    frames,
    next(pred, ms = 5000) {
      const seen = frames.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.push(w);
        setTimeout(() => reject(new Error(`no matching frame within ${ms} ms; got ${frames.map((f) => f.type).join(', ')}`)), ms).unref();
      });
    },
    close: () => ws.close(),
  };
}

export const chatBody = (extra = {}) => ({ model: 'gpt-4o', messages: [{ role: 'user', content: 'The secret prompt text: purple-elephant-42' }], ...extra });
