/**
 * Registers `ctor` as `tag`, guarded:
 * - a tag already taken by another copy of the bundle warns and keeps the first definition;
 * - a constructor can be registered only once, so registering it again under another tag
 *   (`KimiRealtime.define('my-realtime')` after `define.js`) registers a subclass of it;
 * - calling it again for a tag it already defined does nothing.
 */
export function defineElement(tag: string, ctor: CustomElementConstructor): void {
  const existing = customElements.get(tag);
  if (existing === ctor || (existing && existing.prototype instanceof ctor)) return;
  if (existing) {
    console.warn(`kimi-realtime: <${tag}> is already defined, probably by another copy of the bundle; keeping the first definition.`);
    return;
  }
  try {
    customElements.define(tag, ctor);
  } catch (error) {
    // The tag is free (checked above), so NotSupportedError means this constructor already has a tag.
    if (!(error instanceof DOMException && error.name === 'NotSupportedError')) throw error;
    customElements.define(tag, class extends (ctor as typeof HTMLElement) {});
  }
}
