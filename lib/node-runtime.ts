// `cdktf-failover-api/runtime`: the Node-only harness, for TypeScript. It runs real processes (haproxy,
// PostgreSQL, the reference API), so it stays out of the jsii assembly and out of every cdktf app.
export { ValidationError } from './validation/validation-error';
export { readApiEnvironment } from './api/api-environment';
export * from './api/api-server';
export * from './runtime/haproxy-runtime-client';
export {
  LocalTopology,
  LocalTopologyOptions,
  HaproxyReloadOptions,
  IsolateOptions,
  StartApiOptions,
  LOCAL_HOST_NAMES,
} from './runtime/local-topology';
export { HaproxyProcess, HaproxyConfigRejectedError } from './runtime/haproxy-process';
export { PacketFilter, Blackhole } from './runtime/packet-filter';
export { findPgBinDir, findHaproxy, PG_BINDIR_ENV } from './runtime/system-binaries';
export { pollUntil, PollOptions } from './polling/poll';
export * from './replication/replication-wait';
export * from './replication/convergence';
export * from './postgres/convergence-sql';
export * from './postgres/subscription-watchdog-sql';
export * from './postgres/replication-health-sql';
export * from './smoke/probe';
export * from './smoke/summary';
export * from './smoke/topology-driver';
export * from './smoke/rolling-update';
export * from './smoke/experiment';
export * from './smoke/hostile-traffic';
export * from './smoke/hostile-scenarios';
export * from './smoke/local-driver';
export * from './smoke/local-smoke';
export * from './smoke/report-text';
export * from './smoke/report-html';
export * from './smoke/smoke-report';
export * from './smoke/smoke-stack-contract';
export * from './smoke/command-runner';
export * from './smoke/docker-preflight';
export * from './smoke/docker-driver';
export * from './smoke/docker-smoke';
export * from './smoke/replication-scenarios';
