/**
 * Where things are inside the HAProxy container; shared by the construct and the Docker smoke driver.
 * The runtime volume at HAPROXY_RUNTIME_DIR holds the config (written by the config-writer container), the
 * runtime API socket and the saved server states, so a config change never touches the HAProxy container.
 */
export const HAPROXY_RUNTIME_DIR = '/var/lib/haproxy';
export const HAPROXY_CONFIG_PATH = `${HAPROXY_RUNTIME_DIR}/haproxy.cfg`;
export const HAPROXY_SERVER_STATE_PATH = `${HAPROXY_RUNTIME_DIR}/server-state`;
/** Where the config writer receives the rendered config before `haproxy -c` and the copy into the volume. */
export const HAPROXY_STAGED_CONFIG_PATH = '/etc/haproxy/staged.cfg';
/** The shipped image runs as the unprivileged haproxy user, so it binds above 1024 inside the container. */
export const HAPROXY_CONTAINER_PORT = 8080;
export const HAPROXY_SOCKET_PATH = `${HAPROXY_RUNTIME_DIR}/admin.sock`;
