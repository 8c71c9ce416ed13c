// Builds the relay. The Worker is bundled by wrangler itself (`wrangler deploy --dry-run`, which
// needs no account and no network), so the tests run the very file a deploy would upload; the
// Node command line (uplink, tokens) is bundled by esbuild.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseJsonc } from './jsonc.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** wrangler.jsonc, read as wrangler reads it (comments, trailing commas). */
export function wranglerConfig() {
  return parseJsonc(readFileSync(`${root}/wrangler.jsonc`, 'utf8'));
}

export function bundleWorker() {
  const wrangler = fileURLToPath(new URL('../node_modules/wrangler/bin/wrangler.js', import.meta.url));
  const result = spawnSync(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', 'dist/worker'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
  });
  if (result.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

export async function buildRelay() {
  bundleWorker();
  await build({
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
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildRelay();
