// Lint for the TypeScript sources (type-aware rules from typescript-eslint) and the direction of imports:
//   shared leaves (src/errors.ts, src/log.ts, src/describe-value.ts) ← transports/ ← src/ (the engine)
// A transport imports its contract (transports/transport.ts), its siblings and the leaves only; the
// engine reaches transports through the registry (transports/index.ts) and the contract. Import cycles,
// type-only ones included, are `npm run lint:cycles`'s (dpdm).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const LEAVES = ['errors', 'log', 'describe-value'];

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'package/', 'release/', 'node_modules/', 'native/loader/build/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['transports/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../src/*', '../src/**', ...LEAVES.map((leaf) => `!../src/${leaf}`)],
              message: 'a transport imports its contract (./transport.ts), its siblings and the shared leaves (src/errors, src/log, src/describe-value) only',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/transports/*', '!**/transports/index', '!**/transports/transport'],
              message: 'the engine reaches transports through the registry (transports/index.ts) and the contract (transports/transport.ts)',
            },
          ],
        },
      ],
    },
  },
  {
    files: LEAVES.map((leaf) => `src/${leaf}.ts`),
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['./*', '../*', ...LEAVES.map((leaf) => `!./${leaf}`)], message: 'a shared leaf imports other leaves only' }] },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
