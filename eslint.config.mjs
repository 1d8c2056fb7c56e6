// The lint gate (`npm run lint`, run by .ci/run): typescript-eslint's recommended rules, with the few this code
// deliberately breaks turned off, and prettier for the layout (.prettierrc.json).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'cdktf.out/**', 'node_modules/**', '**/*.d.ts', 'lib/api/docker/**', '.jsii'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
        performance: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      // jsii's face for a type guard takes `any` (Errors.isValidationError), and JSON from Terraform is untyped.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      // An initial value a try block overwrites keeps TypeScript's definite assignment simple in its finally.
      'no-useless-assignment': 'off',
      // A failed teardown is rethrown from finally only when nothing else failed (docker-smoke.ts).
      'no-unsafe-finally': 'off',
      // Errors quote what they caught in the message; the ES2020 lib tsc targets has no Error cause.
      'preserve-caught-error': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
