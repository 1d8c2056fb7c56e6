export * from './validation/validation-error';
export * from './haproxy/failover-strategy';
export * from './haproxy/haproxy-config-props';
export { renderHaproxyConfig, HAPROXY_BACKEND_NAME, HAPROXY_FRONTEND_NAME } from './haproxy/render-haproxy-config';
