/**
 * Defines a custom element unless the tag is taken. A second copy of the bundle on the page warns
 * and keeps the first definition instead of throwing.
 */
export function defineElement(tag: string, ctor: CustomElementConstructor): void {
  const existing = customElements.get(tag);
  if (existing === ctor) return;
  if (existing) {
    // eslint-disable-next-line no-console
    console.warn(`kimi-realtime: <${tag}> is already defined, probably by another copy of the bundle; keeping the first definition.`);
    return;
  }
  customElements.define(tag, ctor);
}
