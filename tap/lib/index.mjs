// kimi-tap's programmatic entry: the tap, its parts, and the protocol core the simulator shares.
export { KimiTap, isoWithOffset, providerKey } from './tap.mjs';
export { ModelWindows, BUILTIN_WINDOWS, DEFAULT_WINDOW, readModelsFile } from './models.mjs';
export { ENCODING, countText, estimatePrompt } from './tokens.mjs';
export { TapDatabase } from './db.mjs';
