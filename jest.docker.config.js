// The Docker stage (`npm run test:docker`, through scripts/docker-stage.sh): real images and containers on a
// Docker daemon. `npm test` runs everything else.
module.exports = {
  preset: 'ts-jest',
  testEnvironment: '<rootDir>/__tests__/support/jest-environment.js',
  roots: ['<rootDir>/__tests__/docker-engine'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 600000,
  globalSetup: '<rootDir>/__tests__/support/jest-global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/support/jest-global-teardown.ts',
};
