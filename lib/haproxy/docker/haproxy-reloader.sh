#!/bin/sh
# Runs HAProxy in master-worker mode from the config a config-writer container leaves in the runtime volume,
# and reloads it seamlessly whenever that file changes: `haproxy -c` first (a refused file is logged and
# ignored, the running config stays), the servers' states saved, then SIGUSR2 to the master, which starts a
# new worker on the same sockets (expose-fd listeners) while the old one finishes its connections.
set -u
config=${HAPROXY_CONFIG:-/var/lib/haproxy/haproxy.cfg}
socket=${HAPROXY_SOCKET:-/var/lib/haproxy/admin.sock}
state=${HAPROXY_SERVER_STATE:-/var/lib/haproxy/server-state}

until [ -s "$config" ]; do
  echo "haproxy-reloader: waiting for $config"
  sleep 1
done
haproxy -W -db -f "$config" &
master=$!
trap 'kill -TERM "$master" 2>/dev/null; wait "$master"; exit 0' TERM INT
last=$(cksum < "$config")
while kill -0 "$master" 2>/dev/null; do
  sleep 1
  now=$(cksum < "$config" 2>/dev/null) || continue
  [ "$now" = "$last" ] && continue
  last=$now
  if haproxy -c -f "$config" >/dev/null; then
    echo 'show servers state' | socat -t 2 stdio "UNIX-CONNECT:$socket" > "$state.new" 2>/dev/null && mv -f "$state.new" "$state"
    kill -USR2 "$master"
    echo "haproxy-reloader: $config changed; reloaded"
  else
    echo "haproxy-reloader: $config changed, but haproxy -c refused it; the running config stays" >&2
  fi
done
wait "$master"
