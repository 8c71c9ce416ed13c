// An Angular standalone component with the README's pattern: CUSTOM_ELEMENTS_SCHEMA for the tags,
// `@ViewChild` + `addEventListener` for `kimi:*` events (the template syntax `(kimi:metric_updated)`
// is rejected: Angular reads `kimi:` as an event target like `window:`), a signal for the state.
import {
  type AfterViewInit,
  Component,
  CUSTOM_ELEMENTS_SCHEMA,
  type ElementRef,
  type OnDestroy,
  ViewChild,
  provideZonelessChangeDetection,
  signal,
} from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import 'kimi-realtime/define.js';
import type { KimiRealtime, KimiStatusDetail } from 'kimi-realtime';

declare global {
  interface Window {
    __events: { via: string; id: number; percentage: number }[];
    __states: KimiStatusDetail['state'][];
  }
}
window.__events = [];
window.__states = [];

@Component({
  selector: 'app-root',
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  template: `
    <kimi-realtime #rt [attr.url]="url" session-id="1">
      <kimi-context-gauge></kimi-context-gauge>
    </kimi-realtime>
    <output id="angular-state">{{ percentage() === null ? 'waiting' : percentage() + ' %' }}</output>
  `,
})
class App implements AfterViewInit, OnDestroy {
  @ViewChild('rt') rt!: ElementRef<KimiRealtime>;
  readonly url = new URLSearchParams(location.search).get('ws') ?? '';
  readonly percentage = signal<number | null>(null);

  private readonly onMetric = (e: HTMLElementEventMap['kimi:metric_updated']) => {
    window.__events.push({ via: 'angular', id: e.detail.metric_id, percentage: e.detail.cumulative_percentage });
    this.percentage.set(e.detail.cumulative_percentage);
  };
  private readonly onStatus = (e: HTMLElementEventMap['kimi:status']) => window.__states.push(e.detail.state);

  ngAfterViewInit(): void {
    this.rt.nativeElement.addEventListener('kimi:metric_updated', this.onMetric);
    this.rt.nativeElement.addEventListener('kimi:status', this.onStatus);
  }

  ngOnDestroy(): void {
    this.rt.nativeElement.removeEventListener('kimi:metric_updated', this.onMetric);
    this.rt.nativeElement.removeEventListener('kimi:status', this.onStatus);
  }
}

bootstrapApplication(App, { providers: [provideZonelessChangeDetection()] }).catch((error: unknown) => console.error(error));
