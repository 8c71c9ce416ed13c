#!/usr/bin/env node
// The relay's command line (build it first: `npm run build` in relay/).
import { existsSync } from 'node:fs';
const cli = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('kimi-relay: run `npm run build` in relay/ first\n');
  process.exit(2);
}
const { main } = await import(cli.href);
await main(process.argv.slice(2));
