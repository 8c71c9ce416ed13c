// The `kimi-typing` test command: the test runner types into the page, as a user does, until the page
// tells it to stop. `{ action: 'start', key, interval }` starts pressing `key` once every press has
// returned and `interval` ms have passed; `{ action: 'stop' }` stops and answers `{ sent }`, the time
// each press was sent (epoch ms, sub-ms precision, comparable with `performance.timeOrigin +
// performance.now()` in the page).
// A typing loop inside the page cannot measure input delay while the page's main thread is flooded:
// its own timers wait behind the flood, so it types once or twice. Typing from outside keeps one press
// in flight for the whole flood, so any long block of the main thread delays a press. The presses go
// through the same driver as `sendKeys`: CDP in Chromium, WebDriver BiDi in Firefox, WebDriver classic
// in WebKit.
export const COMMAND = 'kimi-typing';

/** A safety stop for a test that fails before it says stop. */
const MAX_TYPING_MS = 120_000;
/** How long stop waits for the press in flight. */
const STOP_WAIT_MS = 30_000;

const epochNow = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pressFor(session, key) {
  const { browser } = session;
  if (browser.type === 'puppeteer') {
    const page = browser.getPage(session.id);
    return () => page.keyboard.press(key);
  }
  if (browser.type === 'webdriver') return () => browser.sendKeys(session.id, [key]);
  throw new Error(`${COMMAND}: not supported for browser type ${browser.type}`);
}

export function typingPlugin() {
  /** session id → { stop, sent, done, error } */
  const typists = new Map();

  function start(session, key, interval) {
    const press = pressFor(session, key);
    const typist = { stop: false, sent: [], done: null, error: null };
    const end = Date.now() + MAX_TYPING_MS;
    typist.done = (async () => {
      while (!typist.stop && Date.now() < end) {
        typist.sent.push(epochNow());
        await press();
        await sleep(interval);
      }
    })().catch((error) => {
      typist.error = error; // the page went away, or the driver failed: reported on stop
    });
    typists.set(session.id, typist);
  }

  return {
    name: 'kimi-typing-command',
    async executeCommand({ command, payload, session }) {
      if (command !== COMMAND) return undefined;
      const { action, key, interval } = payload ?? {};
      if (action === 'start') {
        if (typeof key !== 'string' || !key) throw new Error(`${COMMAND}: key must be a non-empty string`);
        if (typeof interval !== 'number' || interval < 0 || interval > 10_000) throw new Error(`${COMMAND}: interval must be 0–10,000 ms`);
        if (typists.has(session.id)) throw new Error(`${COMMAND}: already typing in this page`);
        start(session, key, interval);
        return { started: true };
      }
      if (action === 'stop') {
        const typist = typists.get(session.id);
        if (!typist) throw new Error(`${COMMAND}: not typing in this page`);
        typist.stop = true;
        typists.delete(session.id);
        // A press returns once the browser has dispatched it, which may wait for the page; not forever.
        let timer;
        const stuck = new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${COMMAND}: a key press had not returned ${STOP_WAIT_MS / 1000} s after stop`)), STOP_WAIT_MS);
        });
        try {
          await Promise.race([typist.done, stuck]);
        } finally {
          clearTimeout(timer);
        }
        if (typist.error) throw typist.error;
        return { sent: typist.sent };
      }
      throw new Error(`${COMMAND}: action must be "start" or "stop"`);
    },
  };
}
