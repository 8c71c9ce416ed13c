// Script-tag bundles: every dependency inlined, minified, ES2022. Built from tsc's output in dist/.
// The IIFE assigns the global `KimiRealtime` (the entry's exports: the classes, `define(tag)`,
// `parseKimiTimestamp`…), so it is minified as a script: as a module, terser would drop the
// "unused" top-level assignment.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import minifyTemplates from './scripts/minify-templates.mjs';
import { mangleNames, checkNotPublic } from './scripts/mangle-names.mjs';

const bundles = [
  { input: 'dist/define.js', name: 'kimi-realtime' },
  { input: 'dist/define-core.js', name: 'kimi-realtime-core' },
];

// passes: 2 measured -0.08 KB (core) and -0.09 KB (full) min+gzip; 3 passes gave nothing more.
// Property names shortened: only the `private` members that scripts/mangle-names.mjs finds unreachable by name
// from outside (its header says the convention); it fails the build if one is public API.
const { names } = mangleNames();
checkNotPublic(names);
const properties = { regex: new RegExp(`^(?:${names.join('|')})$`) };
const minify = (module) => terser({ ecma: 2022, module, toplevel: module, compress: { passes: 2 }, mangle: { properties }, format: { comments: false } });

export default bundles.map(({ input, name }) => ({
  input,
  // lit's modules only register version numbers at load; unused ones (lit-html in the core bundle)
  // can go without changing behaviour.
  treeshake: { moduleSideEffects: (id) => !/[\\/]node_modules[\\/](lit|lit-html|lit-element)[\\/]/.test(id) },
  plugins: [nodeResolve({ browser: true }), minifyTemplates()],
  output: [
    { file: `dist/cdn/${name}.esm.js`, format: 'es', sourcemap: true, plugins: [minify(true)] },
    { file: `dist/cdn/${name}.iife.js`, format: 'iife', name: 'KimiRealtime', sourcemap: true, plugins: [minify(false)] },
  ],
  onwarn(warning, warn) {
    if (warning.code === 'THIS_IS_UNDEFINED') return;
    warn(warning);
  },
}));
