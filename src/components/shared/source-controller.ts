import { ContextEvent as ContextRequestEvent } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { kimiSourceContext, type KimiSource, type KimiSourceElement } from '../../internal/source-context.js';
import { attachContextRoot } from '../../internal/context-root.js';
import { KIMI_LIBRARY_EVENTS, type KimiEventMap } from '../../events/event-map.js';

/** Handlers by the name of the public `kimi:*` event whose `detail` they take, each typed by the event map (only `detail` is given). */
export type KimiEventHandlers = { [K in keyof KimiEventMap]?: (event: KimiEventMap[K]) => void };

export interface SourceHost extends ReactiveControllerHost, HTMLElement {
  /** Id of a `<kimi-realtime>` elsewhere in the page; empty to use the nearest ancestor. */
  source: string;
}

/** Library events the source's `SessionStream` hands out itself (the others are DOM events). */
const STREAM_EVENTS: ReadonlySet<string> = new Set(['kimi:message', 'kimi:metric', 'kimi:hydrate']);

/** What a handler is given: the `detail` a page author's `kimi:*` event would carry. */
type Handler = (event: { detail: unknown }) => void;

/**
 * Connects a dashboard element to its `<kimi-realtime>`: the nearest ancestor (through
 * `@lit/context`) or the one named by `source="id"`. The data comes already filtered from the
 * source's `SessionStream` (handed through the context): the messages, readings and hydration of the
 * session shown, each to the handler named like its public event (`kimi:message` after the frame's
 * reading, as the element dispatches them). The library's other events (`kimi:status`, `kimi:budget`
 * from a cost meter, …) are the source's DOM events. Detaches cleanly when either side leaves. Order
 * of upgrade does not matter.
 */
export class SourceController implements ReactiveController {
  /** The current source and session, or null when not attached. */
  value: KimiSource | null = null;
  private unsubscribe: (() => void) | null = null;
  private listening: KimiSourceElement | null = null;
  private unsubscribeStream: (() => void) | null = null;
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
      this.listen(value);
    }
    this.onChange(value, previous);
  };

  private listen(value: KimiSource): void {
    const source = value.source;
    this.listening = source;
    const handlers = this.handlers as Record<string, Handler | undefined>;
    for (const [name, handler] of this.domHandlers()) source.addEventListener(name, handler as unknown as EventListener);
    // Server messages by their type, looked up once per frame without building a name.
    const byType = new Map<string, Handler>();
    for (const [name, handler] of Object.entries(handlers))
      if (handler && name.startsWith('kimi:') && !Object.hasOwn(KIMI_LIBRARY_EVENTS, name)) byType.set(name.slice(5), handler);
    const metric = handlers['kimi:metric'];
    const hydrate = handlers['kimi:hydrate'];
    const any = handlers['kimi:message'];
    this.unsubscribeStream = value.stream.subscribe({
      message: (message) => byType.get(message.type)?.({ detail: message }),
      metric: metric && ((reading) => metric({ detail: reading })),
      hydrated: hydrate && ((hydration) => hydrate({ detail: hydration })),
      delivered: any && ((message) => any({ detail: message })),
    });
  }

  /** Handlers of the library's events that the stream does not hand out: listened to on the source. */
  private domHandlers(): [string, Handler][] {
    return Object.entries(this.handlers as Record<string, Handler | undefined>).filter(
      (entry): entry is [string, Handler] => !!entry[1] && Object.hasOwn(KIMI_LIBRARY_EVENTS, entry[0]) && !STREAM_EVENTS.has(entry[0]),
    );
  }

  private stopListening(): void {
    const source = this.listening;
    if (!source) return;
    for (const [name, handler] of this.domHandlers()) source.removeEventListener(name, handler as unknown as EventListener);
    this.unsubscribeStream?.();
    this.unsubscribeStream = null;
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
