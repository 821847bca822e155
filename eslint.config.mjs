import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'lib/**',
      'node_modules/**',
      'data/**',
      'appPackage/build/**',
      'scripts/**',
      '*.mjs',
      '.azurite/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      // One AsyncLocalStorage run turns on promise hooks for the whole process on Node 20: about a tenth of the CPU
      // per answer (README, Performance). Turn-scoped values travel on the TurnContext instead.
      'no-restricted-imports': [
        'error',
        ...['async_hooks', 'node:async_hooks'].map((name) => ({
          name,
          importNames: ['AsyncLocalStorage', 'AsyncResource', 'createHook'],
          message: 'Promise hooks slow every await in the process; pass turn-scoped values explicitly.',
        })),
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['bot/cli.ts', 'test/bench/**/*.ts', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  prettier,
);
