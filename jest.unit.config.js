// The unit tier (`npm run test:unit`): renderers, validation, the plan emulator, the Docker driver against a
// recording runner. No root, no system packages, no daemons, well under a minute; `npm test` runs these too.
const UNIT_TESTS = require('./__tests__/support/unit-tier.js');

module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: UNIT_TESTS.map((t) => `<rootDir>/__tests__/${t}.test.ts`),
  testTimeout: 30000,
  globalSetup: '<rootDir>/__tests__/support/jest-global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/support/jest-global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/__tests__/support/jest-after-each-file.ts'],
};
