// The `kimi-color-scheme` test command: switches `prefers-color-scheme` for the test page.
// web-test-runner's own `emulate-media` is CDP-only, and its built-in command plugins run before the
// config's, so this one has a name of its own.
//   Chromium: CDP's media-feature emulation for the page.
//   Firefox:  the preference `layout.css.prefers-color-scheme.content-override` (0 dark, 1 light), set
//             from a browser-level (chrome) script over WebDriver BiDi; that needs the browser launched
//             with `-remote-allow-system-access`. The preference is browser-wide, which is fine with one
//             test file at a time per browser. It reaches the content process asynchronously: the page
//             side waits until matchMedia agrees.
//   WebKit:   WebDriver classic has no way to emulate it: answers { applied: false, reason }.
export const COMMAND = 'kimi-color-scheme';

const FIREFOX_OVERRIDE = { dark: 0, light: 1 };
const chromeContexts = new WeakMap();

async function firefoxChromeContext(browser) {
  if (!chromeContexts.has(browser)) {
    const { result } = await browser.connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
    const context = result.contexts[0]?.context;
    if (!context) throw new Error('Firefox gave no chrome browsing context: is it launched with -remote-allow-system-access?');
    chromeContexts.set(browser, context);
  }
  return chromeContexts.get(browser);
}

async function setFirefoxScheme(page, scheme) {
  const browser = page.browser();
  const context = await firefoxChromeContext(browser);
  const expression = `Services.prefs.setIntPref('layout.css.prefers-color-scheme.content-override', ${FIREFOX_OVERRIDE[scheme]}); true`;
  const { result } = await browser.connection.send('script.evaluate', { expression, target: { context }, awaitPromise: false });
  if (result.type !== 'success') throw new Error(`setting Firefox's colour-scheme preference failed: ${JSON.stringify(result.exceptionDetails ?? result)}`);
}

export function colorSchemePlugin() {
  return {
    name: 'kimi-color-scheme-command',
    async executeCommand({ command, payload, session }) {
      if (command !== COMMAND) return undefined;
      const scheme = payload?.scheme;
      if (scheme !== 'light' && scheme !== 'dark') throw new Error(`${COMMAND}: scheme must be "light" or "dark", got ${JSON.stringify(scheme)}`);
      const { browser } = session;
      if (browser.type === 'puppeteer') {
        const page = browser.getPage(session.id);
        if (page.browser().protocol === 'webDriverBiDi') await setFirefoxScheme(page, scheme);
        else await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
        return { applied: true };
      }
      return {
        applied: false,
        reason: `${browser.name} over WebDriver classic cannot emulate prefers-color-scheme (the dark scheme is tested in Chromium and Firefox)`,
      };
    },
  };
}
