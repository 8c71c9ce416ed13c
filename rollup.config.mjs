// Script-tag bundles: every dependency inlined, minified, ES2022. Built from tsc's output in dist/.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

const bundles = [
  { input: 'dist/define.js', name: 'kimi-realtime' },
  { input: 'dist/define-core.js', name: 'kimi-realtime-core' },
];

export default bundles.map(({ input, name }) => ({
  input,
  // lit's modules only register version numbers at load; unused ones (lit-html in the core bundle)
  // can go without changing behaviour.
  treeshake: { moduleSideEffects: (id) => !/[\\/]node_modules[\\/](lit|lit-html|lit-element)[\\/]/.test(id) },
  plugins: [nodeResolve({ browser: true }), terser({ ecma: 2022, module: true, format: { comments: false } })],
  output: [
    { file: `dist/cdn/${name}.esm.js`, format: 'es', sourcemap: true },
    { file: `dist/cdn/${name}.iife.js`, format: 'iife', name: 'KimiRealtime', sourcemap: true },
  ],
  onwarn(warning, warn) {
    if (warning.code === 'THIS_IS_UNDEFINED') return;
    warn(warning);
  },
}));
