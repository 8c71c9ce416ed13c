// The Svelte 5 app through Vite with the official Svelte plugin.
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default {
  build: { target: 'es2022' },
  plugins: [svelte()],
};
