// A Svelte 5 app: `onkimi:…` attributes on the plain tags, compiled by Svelte into listeners.
import 'kimi-realtime/define.js';
import type { KimiStatusDetail } from 'kimi-realtime';
import { mount } from 'svelte';
import App from './App.svelte';

declare global {
  interface Window {
    __events: { via: string; id: number; percentage: number }[];
    __states: KimiStatusDetail['state'][];
  }
}
window.__events = [];
window.__states = [];

mount(App, { target: document.getElementById('app')!, props: { url: new URLSearchParams(location.search).get('ws') ?? '' } });
