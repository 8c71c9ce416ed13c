// Prompt and completion estimates with a real BPE tokenizer (gpt-tokenizer, pure JS). Kimi's own
// tokenizer is not published as a JS package; we count with `cl100k_base`, the tiktoken encoding Kimi
// Proxy's estimates used, so a tap reading and a Kimi Proxy reading of the same prompt agree.
// Per-message overhead follows OpenAI's chat format (3 tokens per message, 3 to prime the answer).
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';

export const ENCODING = 'cl100k_base';
/** Text past this many characters is counted by extrapolating from a sample (tokenizing 8 MB would stall the event loop). */
const EXACT_CHARS = 400_000;
const SAMPLE_CHARS = 100_000;

/**
 * BPE merges within one pre-token cost quadratic time in its length, and a prompt can hold a very
 * long run without spaces (base64, minified code): text is counted in slices of this many characters
 * (a slice boundary adds at most a token or two).
 */
const SLICE = 2_000;

function countSliced(text) {
  let n = 0;
  for (let i = 0; i < text.length; i += SLICE) n += countTokens(text.slice(i, i + SLICE));
  return n;
}

/** @param {string} text */
export function countText(text) {
  if (!text) return 0;
  if (text.length <= EXACT_CHARS) return countSliced(text);
  const sample = countSliced(text.slice(0, SAMPLE_CHARS));
  return Math.round((sample * text.length) / SAMPLE_CHARS);
}

/** Text parts of a message `content` (string, or an array of `{type:"text", text}` parts). */
function contentText(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content == null ? '' : JSON.stringify(content);
  let out = '';
  for (const part of content) {
    if (part && typeof part === 'object' && typeof part.text === 'string') out += part.text;
    else if (part && typeof part === 'object' && part.type === 'image_url') out += ' '; // images are billed by size, not text: not estimated
  }
  return out;
}

/**
 * Estimated prompt tokens of a chat completions body (messages, tool definitions).
 * @param {unknown} body parsed JSON
 * @returns {number}
 */
export function estimatePrompt(body) {
  if (!body || typeof body !== 'object') return 0;
  const b = /** @type {Record<string, unknown>} */ (body);
  let text = '';
  let messages = 0;
  if (Array.isArray(b.messages)) {
    for (const m of b.messages) {
      if (!m || typeof m !== 'object') continue;
      messages += 1;
      text += `${m.role ?? ''}\n${contentText(m.content)}\n`;
      if (typeof m.name === 'string') text += `${m.name}\n`;
      if (m.tool_calls) text += JSON.stringify(m.tool_calls);
    }
  } else if (typeof b.prompt === 'string') text = b.prompt;
  if (Array.isArray(b.tools) && b.tools.length) text += JSON.stringify(b.tools);
  return countText(text) + messages * 3 + (messages ? 3 : 0);
}
