// `npm run lint`, run by `npm test`: typescript-eslint, eslint-plugin-lit and eslint-plugin-wc on the
// sources, tests, scripts and the simulator. Formatting is Prettier's (`npm run format`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { configs as litConfigs } from 'eslint-plugin-lit';
import { configs as wcConfigs } from 'eslint-plugin-wc';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'relay/',
      'tap/node_modules/',
      'coverage/',
      'test/apps/**/node_modules/',
      'test/apps/**/dist/',
      '**/*.d.ts',
      'src/react/events.ts',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    ...litConfigs['flat/recommended'],
  },
  {
    files: ['src/**/*.ts'],
    ...wcConfigs['flat/recommended'],
  },
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Tests, benchmarks and command-line tools talk through the console; tests reach into privates.
    files: ['test/**', 'bench/**', 'scripts/**', 'simulator/**', 'tap/**', 'demo/**', '*.mjs'],
    // Chai's `expect(x).to.exist` is an assertion written as an expression.
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unused-expressions': 'off' },
  },
);
