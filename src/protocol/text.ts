/**
 * Server text on screen: every string from the network that an element renders (text, attributes,
 * accessible names, live regions) goes through `capText` first, so a 10 MB field costs a slice,
 * not a layout of 10 MB. The cut is shown with an ellipsis.
 */

/** Default longest server string an element renders, in UTF-16 code units. */
export const MAX_RENDERED_TEXT = 400;

/**
 * `text` trimmed, whitespace runs folded to one space, at most `max` code units (the cut marked
 * with "…"). Non-strings give "". Work is bounded by `max`, not by the input's length.
 */
export function capText(value: unknown, max = MAX_RENDERED_TEXT): string {
  if (typeof value !== 'string') return '';
  // Only a bounded head is ever looked at: a little more than `max` so the trim and folding below
  // cannot pull in text from past the cut.
  const long = value.length > max * 2 + 64;
  const head = long ? value.slice(0, max * 2 + 64) : value;
  const flat = head.replace(/\s+/g, ' ').trim();
  if (!long && flat.length <= max) return flat;
  let end = Math.min(flat.length, max - 1);
  // Never split a surrogate pair: a lone half renders as a replacement box.
  const code = flat.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${flat.slice(0, end)}…`;
}
