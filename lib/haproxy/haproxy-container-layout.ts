/** Where things are inside the HAProxy container; shared by the construct and the Docker smoke driver. */
export const HAPROXY_CONFIG_PATH = '/usr/local/etc/haproxy/haproxy.cfg';
/** The official image runs as the unprivileged haproxy user, so it binds above 1024 inside the container. */
export const HAPROXY_CONTAINER_PORT = 8080;
/** A directory the haproxy user owns in the image; a named volume mounted here inherits that ownership. */
export const HAPROXY_SOCKET_DIR = '/var/lib/haproxy';
export const HAPROXY_SOCKET_PATH = `${HAPROXY_SOCKET_DIR}/admin.sock`;
