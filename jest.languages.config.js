// The language stage (`npm run test:languages`, through scripts/languages-stage.sh): the generated packages
// installed and run in their own language. `npm test` runs everything else.
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__/languages'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 300000,
};
