import { join } from 'node:path';
import { HAPROXY_BACKEND_NAME, HaproxyConfig, HaproxyConfigProps } from '../../lib';
import { findHaproxy, HaproxyProcess, HaproxyRuntimeClient, pollUntil } from '../../lib/node-runtime';
import { scaled } from './time-scale';

/** A real haproxy started in `dir` from the rendered `props` (its runtime API at `dir`/haproxy.sock). */
export interface HaproxyUnderTest {
  readonly haproxy: HaproxyProcess;
  readonly runtimeApi: HaproxyRuntimeClient;
}

/** Starts haproxy with the runtime API on, and resolves once every server is UP. The caller stops it. */
export async function startHaproxy(dir: string, props: Omit<HaproxyConfigProps, 'runtimeApi'>): Promise<HaproxyUnderTest> {
  const socketPath = join(dir, 'haproxy.sock');
  const haproxy = new HaproxyProcess(findHaproxy(), dir, HaproxyConfig.render({ ...props, runtimeApi: { socketPath } }));
  haproxy.start();
  const runtimeApi = new HaproxyRuntimeClient(HaproxyRuntimeClient.unixSocket(socketPath), HAPROXY_BACKEND_NAME);
  await pollUntil(async () => ((await runtimeApi.servers()).every((s) => s.status === 'UP') ? true : undefined), {
    description: 'every backend UP',
    timeoutMs: scaled(10_000),
    intervalMs: 50,
  });
  return { haproxy, runtimeApi };
}
