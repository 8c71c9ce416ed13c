// Bundles the Worker (for Miniflare in tests; `wrangler deploy` bundles src/worker.ts itself with the
// same settings) and the Node command line (uplink, tokens).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildRelay() {
  await Promise.all([
    build({
      absWorkingDir: root,
      entryPoints: ['src/worker.ts'],
      outfile: 'dist/worker.js',
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['module', 'main'],
      external: ['cloudflare:*'],
      sourcemap: true,
      logLevel: 'warning',
    }),
    build({
      absWorkingDir: root,
      entryPoints: ['src/cli.ts', 'src/node.ts'],
      outdir: 'dist',
      outExtension: { '.js': '.mjs' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: true,
      logLevel: 'warning',
    }),
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildRelay();
