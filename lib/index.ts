// The jsii surface: constructs, their props, and the renderers they share with the local runtime.
// The Node-only harness (local runtime, smoke, reference API server) is `cdktf-failover-api/runtime`.
export { Errors } from './validation/validation-error';
export * from './haproxy/failover-strategy';
export * from './haproxy/haproxy-config-props';
export { HaproxyConfig, renderHaproxyConfig, HAPROXY_BACKEND_NAME, HAPROXY_FRONTEND_NAME } from './haproxy/render-haproxy-config';
export * from './haproxy/self-drain';
export * from './haproxy/haproxy-container-layout';
export * from './postgres/bdr-node-config';
export * from './postgres/render-postgres-settings';
export { PgHba, renderPgHba } from './postgres/render-pg-hba';
export * from './postgres/render-bootstrap-sql';
export * from './postgres/database-schema';
export * from './postgres/bdr-container-layout';
export { ApiEnvironment, ApiEnvironmentContract, API_ENV, apiEnvironmentVariables, renderApiEnvironment } from './api/api-environment';
export * from './constructs/docker-build-contexts';
export * from './constructs/shipped-docker-image';
export * from './constructs/container-logging';
export * from './constructs/bdr-node';
export * from './constructs/api-host';
export * from './constructs/haproxy-load-balancer';
export * from './constructs/failover-api-props';
export * from './constructs/failover-api';
