import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import lwcRecommended from '@salesforce/eslint-config-lwc/recommended.js';

const lwcFiles = ['force-app/**/lwc/**/*.js'];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', '.tap/', 'coverage/'] },
  // The service, its tests, benchmarks and root config files (TypeScript rules).
  {
    ignores: ['force-app/**'],
    extends: [js.configs.recommended, ...tseslint.configs.strict],
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // noUncheckedIndexedAccess makes the checked-index-then-assert pattern common and clear.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  // Lightning web components (Salesforce's recommended LWC rules).
  { files: lwcFiles, extends: [...lwcRecommended] },
  // LWC Jest tests run in Node and may wait for a macrotask to flush promise chains.
  {
    files: ['force-app/**/lwc/**/__tests__/**/*.js'],
    languageOptions: { globals: globals.node },
    rules: {
      '@lwc/lwc/no-unexpected-wire-adapter-usages': 'off',
      '@lwc/lwc/no-async-operation': 'off',
    },
  },
  // Shared Jest mocks and setup.
  {
    files: ['force-app/test/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.jest },
    },
  },
);
