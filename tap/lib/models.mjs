// Context windows by model: built-in defaults for common models, a `--models` JSON file over them
// (`{ "<model or glob>": <tokens> }`, `*` matches any run of characters), and a default for the rest
// that says it is one (PROTOCOL.md §17.1 `max_context_default`).
import { readFileSync } from 'node:fs';

/** Window for a model with no entry. Most current chat models have at least this, so a percentage errs high, not low. */
export const DEFAULT_WINDOW = 128_000;

/** Built-in windows (tokens). Exact names first, then globs in order. */
export const BUILTIN_WINDOWS = Object.freeze({
  'kimi-k2.6': 262_144,
  'kimi-k2.5': 262_144,
  'kimi-k2-thinking': 262_144,
  'kimi-k2-0905-preview': 262_144,
  'kimi-k2-turbo-preview': 262_144,
  'kimi-for-coding': 262_144,
  'kimi-latest': 131_072,
  'moonshot-v1-8k': 8_192,
  'moonshot-v1-32k': 32_768,
  'moonshot-v1-128k': 131_072,
  'gpt-4o': 128_000,
  'gpt-4o-mini': 128_000,
  'gpt-4.1': 1_047_576,
  'gpt-4.1-mini': 1_047_576,
  'gpt-4.1-nano': 1_047_576,
  'gpt-5': 400_000,
  'gpt-5-mini': 400_000,
  'gpt-5-nano': 400_000,
  o3: 200_000,
  'o4-mini': 200_000,
  'claude-sonnet-4*': 200_000,
  'claude-opus-4*': 200_000,
  'claude-3-5-haiku*': 200_000,
  'deepseek-chat': 128_000,
  'deepseek-reasoner': 128_000,
  'gemini-2.5-pro*': 1_048_576,
  'gemini-2.5-flash*': 1_048_576,
  'qwen3-coder*': 262_144,
  // OpenRouter and similar prefix the vendor: "moonshotai/kimi-k2.6", "openai/gpt-4o".
  '*/kimi-k2*': 262_144,
  '*/gpt-4o*': 128_000,
});

const globToRegExp = (glob) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');

export class ModelWindows {
  /** @param {Record<string, number>} [overrides] entries from a models file (win over the built-in ones) */
  constructor(overrides = {}) {
    /** @type {Map<string, number>} */
    this.exact = new Map();
    /** @type {Array<[RegExp, number]>} */
    this.globs = [];
    for (const table of [overrides, BUILTIN_WINDOWS]) {
      for (const [name, tokens] of Object.entries(table)) {
        if (name.includes('*')) this.globs.push([globToRegExp(name), tokens]);
        else if (!this.exact.has(name.toLowerCase())) this.exact.set(name.toLowerCase(), tokens);
      }
    }
    /** @type {Map<string, {window: number, isDefault: boolean}>} */
    this.cache = new Map();
  }

  /**
   * @param {string} model
   * @returns {{ window: number, isDefault: boolean }}
   */
  lookup(model) {
    let hit = this.cache.get(model);
    if (hit) return hit;
    const key = model.toLowerCase();
    const exact = this.exact.get(key);
    if (exact !== undefined) hit = { window: exact, isDefault: false };
    else {
      const glob = this.globs.find(([re]) => re.test(model));
      hit = glob ? { window: glob[1], isDefault: false } : { window: DEFAULT_WINDOW, isDefault: true };
    }
    if (this.cache.size < 1000) this.cache.set(model, hit);
    return hit;
  }
}

/**
 * Reads a models file: a JSON object of positive integer windows. Throws a clear error otherwise.
 * @param {string} file
 * @returns {Record<string, number>}
 */
export function readModelsFile(file) {
  let value;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--models ${file}: ${/** @type {Error} */ (e).message}`, { cause: e });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`--models ${file}: expected a JSON object { "<model or glob>": <tokens> }`);
  for (const [k, v] of Object.entries(value)) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`--models ${file}: "${k}" must map to a positive integer number of tokens`);
  }
  return value;
}
