import type { KimiMessage } from './messages.js';

/** What was wrong with a frame the server sent. */
export type FrameProblemKind = 'empty-frame' | 'invalid-json' | 'non-finite-number' | 'not-an-object' | 'missing-type' | 'binary-frame';

const EXCERPT_LENGTH = 120;

/** Short, printable excerpt of a frame for error reports (never the whole 1 MB frame). */
export function excerptOf(text: string): string {
  return text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH)}…` : text;
}

/**
 * A frame that did not yield a message. `recovered` is set when the frame could still be read
 * (bare `NaN`/`Infinity` tokens read as `null`), so nothing is lost.
 */
export class FrameProblem {
  constructor(
    readonly kind: FrameProblemKind,
    readonly message: string,
    readonly excerpt: string,
    readonly recovered: KimiMessage | null = null,
  ) {}
}

/**
 * Parses one text frame. Returns the message, or a `FrameProblem`; never throws.
 * The success path is one `JSON.parse` and three checks: it runs for every frame.
 */
export function parseFrame(data: unknown): KimiMessage | FrameProblem {
  if (typeof data !== 'string') {
    const size = binarySize(data);
    return new FrameProblem('binary-frame', 'The server sent a binary frame; Kimi Proxy only sends text.', `[binary frame, ${size} bytes]`);
  }
  if (data.length === 0) {
    return new FrameProblem('empty-frame', 'The server sent an empty text frame.', '');
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return problemWithText(data);
  }
  return checkShape(value, data);
}

function checkShape(value: unknown, text: string): KimiMessage | FrameProblem {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return new FrameProblem('not-an-object', 'The frame is JSON but not an object.', excerptOf(text));
  }
  if (typeof (value as { type?: unknown }).type !== 'string') {
    return new FrameProblem('missing-type', 'The frame is an object without a string "type".', excerptOf(text));
  }
  return value as KimiMessage;
}

const NON_FINITE = /\b(?:NaN|Infinity)\b/;

function problemWithText(text: string): FrameProblem {
  if (NON_FINITE.test(text)) {
    const repaired = replaceNonFiniteTokens(text);
    let recovered: KimiMessage | null = null;
    if (repaired !== null) {
      try {
        const value = checkShape(JSON.parse(repaired), text);
        if (!(value instanceof FrameProblem)) recovered = value;
      } catch {
        // still not JSON: report it as such below
      }
    }
    if (recovered) {
      return new FrameProblem(
        'non-finite-number',
        'The frame holds bare NaN/Infinity tokens (not JSON); they were read as null and the message was delivered.',
        excerptOf(text),
        recovered,
      );
    }
  }
  return new FrameProblem('invalid-json', 'The frame is not valid JSON.', excerptOf(text));
}

/**
 * Rewrites Python's bare `NaN`, `Infinity` and `-Infinity` tokens outside strings to `null`.
 * Returns null when there was nothing to replace. Only runs for frames that failed to parse.
 */
export function replaceNonFiniteTokens(text: string): string | null {
  let out = '';
  let last = 0;
  let inString = false;
  let changed = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    let length = 0;
    if (c === 78 /* N */ && text.startsWith('NaN', i)) length = 3;
    else if (c === 73 /* I */ && text.startsWith('Infinity', i)) length = 8;
    else if (c === 45 /* - */ && text.startsWith('-Infinity', i)) length = 9;
    if (length > 0) {
      out += `${text.slice(last, i)}null`;
      i += length - 1;
      last = i + 1;
      changed = true;
    }
  }
  return changed ? out + text.slice(last) : null;
}

function binarySize(data: unknown): number {
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (typeof Blob !== 'undefined' && data instanceof Blob) return data.size;
  return 0;
}
