// Kept for code written against it (the relay's tests and benchmark, the app tests): Chromium only.
// The lookup for every browser, with the apt install, is scripts/find-browsers.mjs.
export { CHROMIUM_ARGS, findChromium } from './find-browsers.mjs';

if (import.meta.url === `file://${process.argv[1]}`) {
  const { findChromium } = await import('./find-browsers.mjs');
  console.log(findChromium());
}
