// Types the kimi-* tags in every .svelte file of the app (svelte/elements' SvelteHTMLElements).
import type {} from 'kimi-realtime/jsx/svelte';
