// Browser tests of <kimi-realtime> pointed at the relay: Debian's Chromium, the relay on workerd
// (Miniflare), the project's simulator as Kimi Proxy and the uplink between them, all on 127.0.0.1.
// Run from the repository root: npx web-test-runner --config relay/test/browser/web-test-runner.config.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { CHROMIUM_ARGS, findChromium } from '../../../scripts/find-chromium.mjs';
import { startSystem } from '../helpers/setup.mjs';
import { startRelay } from '../helpers/relay.mjs';
import { newSecret, signToken } from '../../dist/node.mjs';

const room = 'browser-room';
let system;
let page;
let persist;

const relayPlugin = {
  name: 'kimi-relay',
  async serverStart() {
    persist = mkdtempSync(join(tmpdir(), 'kimi-relay-wtr-'));
    system = await startSystem({ room, relayOptions: { persist } });
    const exp = Math.floor(Date.now() / 1000) + 3600;
    page = {
      host: system.relay.host,
      room,
      direct: system.kimi.wsUrl,
      control: system.kimi.hub.controlUrl,
      tokens: {
        one: await system.relay.viewerToken({ room, sessions: ['1'] }),
        all: await system.relay.viewerToken({ room, sessions: '*' }),
        forged: await signToken({ v: 1, role: 'viewer', room, sessions: '*', exp }, newSecret()),
        otherRoom: await system.relay.viewerToken({ room: 'another-room', sessions: '*' }),
      },
    };
  },
  async serverStop() {
    await system?.close();
    if (persist) rmSync(persist, { recursive: true, force: true });
  },
  async executeCommand({ command }) {
    if (command === 'relay-restart') {
      // The whole runtime stops and comes back on the same port and storage: every viewer drops.
      const { port, secrets } = system.relay;
      await system.relay.dispose();
      await new Promise((resolve) => setTimeout(resolve, 200));
      system.relay = await startRelay({ persist, port, secrets });
      return true;
    }
    if (command === 'relay-status') return system.status();
    if (command === 'relay-uplink-stats') return system.uplink.stats;
    return undefined;
  },
};

export default {
  files: ['relay/test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  browserStartTimeout: 60_000,
  testsFinishTimeout: 5 * 60_000,
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), relayPlugin],
  browsers: [chromeLauncher({ launchOptions: { executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS } })],
  testFramework: { config: { timeout: 30_000 } },
  testRunnerHtml: (testFramework) => `<!doctype html>
<html><head><meta charset="utf-8"></head><body>
<script>window.__RELAY__ = ${JSON.stringify(page)};</script>
<script type="module" src="${testFramework}"></script>
</body></html>`,
};
