// The tests of the unit tier (`npm run test:unit`, jest.unit.config.js): none starts a process, runs haproxy -c,
// needs root or a system package, or reads the packaged build. __tests__/architecture.test.ts checks each one.
module.exports = [
  'api/self-drain-check-header',
  'architecture',
  'constructs/failover-api-validation',
  'constructs/rolling-update-diff',
  'docker/docker-driver',
  'haproxy/haproxy-validation',
  'haproxy/readme-config',
  'postgres/postgres-renderers',
  'runtime/replication-wait',
  'smoke/summary',
];
