// Browser tests: Debian's Chromium (never a downloaded browser) against the real Kimi Proxy
// simulator, which this config starts on 127.0.0.1 and hands to the pages as window.__KIMI_SIM__.
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { startHub } from './simulator/control.mjs';
import { CHROMIUM_ARGS, findChromium } from './scripts/find-chromium.mjs';

let hub;

const simulatorPlugin = {
  name: 'kimi-simulator',
  async serverStart() {
    hub = await startHub({ host: '127.0.0.1', port: 0, controlPort: 0, rate: 0 });
  },
  async serverStop() {
    await hub?.close();
  },
};

export default {
  files: process.env.WTR_FILES ? process.env.WTR_FILES.split(',') : ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  // The stress suite (STRESS=1: a million messages, strings of 10 MB) runs far longer than `npm test`.
  testsFinishTimeout: (process.env.STRESS === '1' ? 60 : 10) * 60_000,
  browserStartTimeout: 60_000,
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), simulatorPlugin],
  browsers: [chromeLauncher({ launchOptions: { executablePath: findChromium(), headless: true, args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc', '--enable-precise-memory-info'] } })],
  testFramework: { config: { timeout: 20_000 } },
  testRunnerHtml: (testFramework) => `<!doctype html>
<html><head><meta charset="utf-8"></head><body>
<script>window.__KIMI_SIM__ = ${JSON.stringify({ control: hub.controlUrl, main: hub.main.url, stress: process.env.STRESS === '1' })};</script>
<script type="module" src="${testFramework}"></script>
</body></html>`,
};
