import { ContextEvent as ContextRequestEvent } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { kimiSourceContext, type KimiSource, type KimiSourceElement } from '../../internal/source-context.js';
import { attachContextRoot } from '../../internal/context-root.js';
import type { KimiEventMap } from '../../events/event-map.js';

/** Handlers of `kimi:*` events by name, each typed by the event map. */
export type KimiEventHandlers = { [K in keyof KimiEventMap]?: (event: KimiEventMap[K]) => void };

export interface SourceHost extends ReactiveControllerHost, HTMLElement {
  /** Id of a `<kimi-realtime>` elsewhere in the page; empty to use the nearest ancestor. */
  source: string;
}

/**
 * Connects a dashboard element to its `<kimi-realtime>`: the nearest ancestor (through
 * `@lit/context`) or the one named by `source="id"`. Listens to the same public `kimi:*` events a
 * page author would, and detaches cleanly when either side leaves. Order of upgrade does not matter.
 */
export class SourceController implements ReactiveController {
  /** The current source and session, or null when not attached. */
  value: KimiSource | null = null;
  private unsubscribe: (() => void) | null = null;
  private listening: KimiSourceElement | null = null;
  private observer: MutationObserver | null = null;
  private connected = false;

  constructor(
    private readonly host: SourceHost,
    private readonly handlers: KimiEventHandlers,
    private readonly onChange: (value: KimiSource | null, previous: KimiSource | null) => void,
  ) {
    // Also when elements are registered one by one from the npm build: a child upgraded before its
    // <kimi-realtime> is answered once the parent is defined.
    attachContextRoot();
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    this.request();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.release();
  }

  /** Looks for the source again (after `source` changed). */
  refresh(): void {
    if (!this.connected) return;
    this.release();
    this.request();
  }

  private request(): void {
    const id = this.host.source;
    if (!id) {
      this.host.dispatchEvent(new ContextRequestEvent(kimiSourceContext, this.host, this.receive, true));
      return;
    }
    const root = this.host.getRootNode() as Document | ShadowRoot;
    const target = root.getElementById?.(id) ?? document.getElementById(id);
    if (target) {
      // The provider listens on its own host; asking there subscribes us like a descendant.
      target.dispatchEvent(new ContextRequestEvent(kimiSourceContext, this.host, this.receive, true));
      if (this.value) return;
      // Not upgraded yet: ask again once <kimi-realtime> is defined.
      customElements.whenDefined('kimi-realtime').then(() => {
        if (this.connected && !this.value && this.host.source === id) this.refresh();
      });
      return;
    }
    // Not in the page yet: watch for it.
    this.observer = new MutationObserver(() => {
      if ((root.getElementById?.(id) ?? document.getElementById(id)) && this.connected) this.refresh();
    });
    this.observer.observe(root, { childList: true, subtree: true });
  }

  private readonly receive = (value: KimiSource, unsubscribe?: () => void): void => {
    if (this.unsubscribe && unsubscribe !== this.unsubscribe) this.unsubscribe();
    this.unsubscribe = unsubscribe ?? null;
    const previous = this.value;
    this.value = value;
    if (this.listening !== value.source) {
      this.stopListening();
      this.listen(value.source);
    }
    this.onChange(value, previous);
  };

  private listen(source: KimiSourceElement): void {
    this.listening = source;
    for (const [name, handler] of Object.entries(this.handlers)) source.addEventListener(name, handler as EventListener);
  }

  private stopListening(): void {
    const source = this.listening;
    if (!source) return;
    for (const [name, handler] of Object.entries(this.handlers)) source.removeEventListener(name, handler as EventListener);
    this.listening = null;
  }

  private release(): void {
    this.observer?.disconnect();
    this.observer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.stopListening();
    const previous = this.value;
    this.value = null;
    if (previous) this.onChange(null, previous);
  }
}
