import { ApiEnvironment, ApiEnvironmentContract, readApiEnvironment } from './api-environment';
import { ApiServer } from './api-server';

// Entry point of the reference API process and image: configured by env (api-environment.ts).
// SIGTERM drains first (404 on the health path until HAProxy stops sending), then finishes in-flight requests.
async function main(): Promise<void> {
  let env: ApiEnvironment;
  try {
    env = readApiEnvironment(process.env);
  } catch (err) {
    console.error(`reference-api: ${(err as Error).message} (the variables: ${ApiEnvironmentContract.VARIABLE_NAMES.join(', ')})`);
    process.exit(2);
  }
  // Not part of the env contract: a test-only switch for an endpoint that always answers 500.
  const server = new ApiServer({ ...env, testFailEndpoint: process.env.API_TEST_FAIL_ENDPOINT === '1' });
  const bound = await server.listen();
  console.log(`reference-api ${env.serverName} ${env.version} listening on ${env.host}:${bound}`);
  const exit = (stopped: Promise<unknown>) =>
    stopped.then(
      () => process.exit(0),
      (err) => {
        console.error('reference-api: shutdown failed', err);
        process.exit(1);
      },
    );
  process.once('SIGTERM', () => {
    console.log(`reference-api: SIGTERM, draining (up to ${env.drainTimeoutMs} ms), then finishing in-flight requests`);
    exit(
      server
        .drainAndClose()
        .then((r) =>
          console.log(
            `reference-api: drained in ${r.drainedAfterMs} ms ` +
              `(the health check saw the 404 ${r.checkSeenAfterMs === undefined ? 'never' : `after ${r.checkSeenAfterMs} ms`}, ` +
              `${r.servedWhileDraining} requests served meanwhile); stopped`,
          ),
        ),
    );
  });
  // Ctrl-C, or a teardown: nobody to drain for, so only the in-flight requests are finished.
  process.once('SIGINT', () => {
    console.log('reference-api: SIGINT, finishing in-flight requests');
    exit(server.close());
  });
}

main().catch((err) => {
  console.error('reference-api: failed to start:', err);
  process.exit(1);
});
