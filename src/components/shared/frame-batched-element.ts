import { LitElement } from 'lit';
import { property } from 'lit/decorators.js';
import type { KimiSource } from '../../internal/source-context.js';
import { SourceController, type KimiEventHandlers } from './source-controller.js';

/**
 * Base of the dashboard elements: finds its `<kimi-realtime>`, takes events into plain state as
 * they come, and renders at most once per animation frame however many arrived.
 */
export abstract class FrameBatchedElement extends LitElement {
  /** Id of the `<kimi-realtime>` to use when it is not an ancestor. */
  @property() source = '';

  /** Renders so far (diagnostics for the benchmark: at most one per frame). */
  renderCount = 0;

  protected readonly sourceController: SourceController;

  constructor() {
    super();
    this.sourceController = new SourceController(this, this.kimiHandlers(), (value, previous) => this.sourceChanged(value, previous));
  }

  /** The `kimi:*` events this element listens to on its source. Handlers update state and call `requestUpdate()`. */
  protected abstract kimiHandlers(): KimiEventHandlers;

  /** The source or its session changed (or the element lost its source). */
  protected sourceChanged(_value: KimiSource | null, _previous: KimiSource | null): void {
    this.requestUpdate();
  }

  /** The session this element shows, from its source. */
  protected get sessionId(): string | null {
    return this.sourceController.value?.sessionId ?? null;
  }

  protected override async scheduleUpdate(): Promise<void> {
    // Wait for the next frame: every message of this frame is folded into one render.
    await new Promise((resolve) => requestAnimationFrame(resolve));
    super.scheduleUpdate();
  }

  protected override update(changed: Map<PropertyKey, unknown>): void {
    this.renderCount++;
    super.update(changed);
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('source') && changed.get('source') !== undefined) this.sourceController.refresh();
  }
}
