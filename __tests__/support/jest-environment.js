// The test environment of `npm test`: Node's, plus logs that outlive a failed test. Each test file gets
// FAILOVER_KEEP_LOGS, a directory of its own under $TMPDIR/failover-api-test-logs, into which every LocalTopology
// copies its logs when it stops (lib/runtime/local-topology.ts). A file whose tests all pass leaves nothing; a
// file with a failure keeps them, and says where.
const { existsSync, rmdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { basename, dirname, join } = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

class FailoverTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    const name = basename(context.testPath).replace(/\.test\.ts$/, '');
    this.logsDir = join(process.env.FAILOVER_TEST_LOGS ?? join(tmpdir(), 'failover-api-test-logs'), `${name}-${process.pid}`);
    this.failed = false;
  }

  async setup() {
    await super.setup();
    this.global.process.env.FAILOVER_KEEP_LOGS = this.logsDir;
  }

  handleTestEvent(event) {
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') {
      this.failed = true;
    }
  }

  async teardown() {
    if (existsSync(this.logsDir)) {
      if (this.failed) {
        process.stderr.write(`\nthe logs of every topology this failed test file started are kept in ${this.logsDir}\n`);
      } else {
        rmSync(this.logsDir, { recursive: true, force: true });
        try {
          rmdirSync(dirname(this.logsDir)); // the parent too, once no other file's logs are in it
        } catch {
          // another file's logs are there, or its own run is still writing them
        }
      }
    }
    await super.teardown();
  }
}

module.exports = FailoverTestEnvironment;
