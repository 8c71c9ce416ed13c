// WebKit for web-test-runner: Debian's WebKitGTK MiniBrowser driven by WebKitWebDriver over WebDriver
// classic. MiniBrowser has no headless mode, so the launcher starts its own Xvfb display; it also starts
// WebKitWebDriver on a free port, and stops both with the run.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { WebdriverLauncher } from '@web/test-runner-webdriver';

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** Starts Xvfb on the first free display; resolves with the child and its display name (`:N`). */
function startXvfb(xvfb) {
  // -displayfd: Xvfb picks a free display number and writes it to fd 3 once it accepts connections.
  const child = spawn(xvfb, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdio[3].on('data', (d) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve({ child, display: `:${m[1]}` });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`Xvfb exited with ${code} before giving a display: ${err.trim()}`)));
  });
}

/** Starts WebKitWebDriver on a free port of 127.0.0.1 and waits until it answers. */
async function startDriver(driver, env) {
  const port = await freePort();
  const child = spawn(driver, [`--port=${port}`, '--host=127.0.0.1'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((_, reject) => child.on('exit', (code) => reject(new Error(`WebKitWebDriver exited with ${code}: ${err.trim()}`))));
  exited.catch(() => {});
  const end = Date.now() + 15_000;
  for (;;) {
    const ready = await Promise.race([
      fetch(`http://127.0.0.1:${port}/status`).then(
        (r) => r.ok,
        () => false,
      ),
      exited,
    ]);
    if (ready) return { child, port };
    if (Date.now() > end) throw new Error(`WebKitWebDriver did not answer on port ${port} within 15 s: ${err.trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

class WebKitLauncher extends WebdriverLauncher {
  constructor({ driver, browser, xvfb, args = [] }) {
    super({
      logLevel: 'error',
      hostname: '127.0.0.1',
      port: 0, // set once the driver runs
      capabilities: {
        browserName: 'MiniBrowser',
        // WebKitWebDriver speaks WebDriver classic only; without this webdriverio asks for BiDi and the
        // session is refused ("Failed to match capabilities").
        'wdio:enforceWebDriverClassic': true,
        'webkitgtk:browserOptions': { binary: browser, args: ['--automation', ...args] },
      },
    });
    this.paths = { driver, xvfb };
    this.children = [];
  }

  async createDriverManager() {
    const { child: xvfb, display } = await startXvfb(this.paths.xvfb);
    this.children.push(xvfb);
    // Numbers lose their grouping without a locale, and WebKit takes its default language from LANG.
    const env = { ...process.env, DISPLAY: display, LANG: 'en_US.UTF-8', LANGUAGE: 'en_US', NO_AT_BRIDGE: '1', GDK_BACKEND: 'x11' };
    const { child: driver, port } = await startDriver(this.paths.driver, env);
    this.children.push(driver);
    this.options.port = port;
    return super.createDriverManager();
  }

  async stop() {
    await super.stop();
    for (const child of this.children.reverse()) if (child.exitCode === null) child.kill('SIGTERM');
    this.children = [];
  }
}

/** A web-test-runner launcher for WebKitGTK's MiniBrowser; `paths` come from `locateBrowsers(['webkit'])`. */
export function webkitLauncher(paths) {
  const launcher = new WebKitLauncher(paths);
  // Children must not outlive the runner, even when it exits without calling stop().
  process.once('exit', () => {
    for (const child of launcher.children) if (child.exitCode === null) child.kill('SIGKILL');
  });
  return launcher;
}
