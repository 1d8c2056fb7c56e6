#!/usr/bin/env bash
# A pglogical node's bootstrap, run by bdr-entrypoint.sh on every container start, detached from the postmaster.
# $1 is the directory of the rendered files (BDR_BOOTSTRAP_FILES in bdr-container-layout.ts). Each step retries
# until it succeeds, because the server, the migrator and the peer all come up in their own time.
# 1. The local bootstrap, with the passwords in this container's environment (idempotent: it repairs a first
#    init that failed half-way and applies a changed password to a volume that already has its roles).
# 2. A node that joined its peer before (its volume survived) subscribes again, which changes nothing if the
#    subscription is there.
# 3. A new node (an empty volume) waits for the migrator to create the schema's tables. Then, if its peer has
#    joined before (it has data: this node is a rebuild, or the second node of a first deploy), it copies the
#    peer's data (rejoin), waits until that copy is synced, and replaces the peer's subscription to the node
#    that was lost (peer-resubscribe), and waits until the peer reads from it. Otherwise (both new) it
#    subscribes plainly. Either way it is marked joined once it replicates, and only then does
#    failover_api.ready(), which HAProxy's health check of the API asks for, turn true. The order is explained in the README ("A host that comes back with nothing").
# 4. A node whose slot on the peer was lost (it was away past the peer's max_slot_wal_keep_size) can never resume
#    its stream: the loop below sees it (resync-needed) and copies the peer's data again (resync), not ready
#    meanwhile, once the peer has confirmed this node's own writes; then the peer subscribes to it anew, as after
#    a rejoin (stale-slot-resync-sql.ts says why).
# 5. Every BDR_DIVERGENCE_CHECK_SECONDS, the divergence check (divergence-check-sql.ts), which logs what differs.
# 6. The watchdog, every second: a subscription that is down while the peer accepts connections is restarted, and
#    so is one still on a connection to the peer's previous postmaster (subscription-watchdog-sql.ts says why
#    pglogical leaves either).
set -uo pipefail
cfg=$1
psql_bdr() { gosu postgres psql -X -q -h "$BDR_SOCKET_DIR" -d postgres "$@"; }
# One value from this node, or from its peer (as the replication role, whose password is in PGPASSFILE).
here() { psql_bdr -t -A -f "$cfg/$1" 2>/dev/null | tail -n 1; }
peer_ready() { pg_isready -q -t 1 -d "$(cat "$cfg/peer.conninfo")"; }
# The watchdog on this node (or, with a conninfo, on the peer); prints how many subscriptions it restarted.
kick() { gosu postgres psql -X -q -t -A "${1:-host=$BDR_SOCKET_DIR dbname=postgres}" -f "$cfg/subscription-watchdog.sql" 2>/dev/null | tail -n 1; }
peer_joined() {
  [ "$(gosu postgres psql -X -q -t -A "$(cat "$cfg/peer.conninfo") connect_timeout=5" \
    -c "SELECT joined FROM failover_api.local_node" 2>/dev/null)" = t ]
}
ask() { gosu postgres psql -X -q -t -A -h "$BDR_SOCKET_DIR" -d "${BDR_DATABASE:-api}" -c "$1" 2>/dev/null; }
retry() { until "$@"; do sleep 2; done; }
# After a copy from the peer: joined (ready) once every table is synced and the subscription replicates.
join_after_copy() {
  until [ "$(here subscription-synced.sql)" = t ]; do sleep 1; done
  "$@"
  until [ "$(ask "SELECT coalesce(bool_and(status = 'replicating'), false) FROM pglogical.show_subscription_status()")" = t ]; do sleep 1; done
  retry psql_bdr -f "$cfg/bootstrap-joined.sql"
}
# The peer subscribes to this rebuilt node, and reads its slot (a restart wakes it if pglogical left it down;
# this node accepts connections, so the peer's provider is up).
peer_follows() {
  echo "bdr: the copy is synced; the peer subscribes to this node"
  retry gosu postgres psql -X -q "$(cat "$cfg/peer.conninfo")" -f "$cfg/peer-resubscribe.sql"
  until [ "$(ask 'SELECT coalesce(bool_or(peer_slot_active), false) FROM failover_api.replication_health()')" = t ]; do
    kick "$(cat "$cfg/peer.conninfo")" >/dev/null
    sleep 1
  done
}
resync() {
  local out
  echo "bdr: this node's slot on the peer is lost (it was away past max_slot_wal_keep_size): copying the peer's data again"
  if ! out=$(psql_bdr -f "$cfg/bootstrap-resync.sql" 2>&1); then
    echo "bdr: resync not done, tried again in 10 s: $(echo "$out" | grep -m1 -E 'ERROR|FATAL')"
    resync_due=$(( $(date +%s) + 10 ))
    return
  fi
  join_after_copy peer_follows
  echo "bdr: resynced from the peer, and joined it again"
}

# Over TCP, as the healthcheck: the first-init server listens on the unix socket only, and the bootstrap
# must not run against it (an init script may still be creating what the bootstrap expects).
retry eval 'pg_isready -q -h "${BDR_READY_HOST:-127.0.0.1}" -U postgres -d postgres \
  && psql_bdr -v api_password="$API_PASSWORD" -v replication_password="$REPLICATION_PASSWORD" -f "$cfg/bootstrap-local.sql"'

if [ "$(ask 'SELECT joined FROM failover_api.local_node')" = t ]; then
  retry psql_bdr -f "$cfg/bootstrap-subscribe.sql"
  echo "bdr: bootstrapped, and subscribed to the peer"
else
  until [ "$(ask 'SELECT count(*) > 0 FROM failover_api.schema_migrations')" = t ]; do sleep 2; done
  if peer_joined; then
    echo "bdr: a new node next to a peer with data: copying the peer's data"
    retry psql_bdr -f "$cfg/bootstrap-rejoin.sql"
    join_after_copy peer_follows
  else
    retry psql_bdr -f "$cfg/bootstrap-subscribe.sql"
    join_after_copy true
  fi
  echo "bdr: bootstrapped, and joined the peer"
fi

# The divergence check (divergence-check-sql.ts): a difference is logged once two checks saw it unchanged.
divergence_every=${BDR_DIVERGENCE_CHECK_SECONDS:-600}
divergence_due=$(( $(date +%s) + divergence_every ))
divergence_check() {
  local out
  if ! out=$(psql_bdr -t -A -v ON_ERROR_STOP=1 -f "$cfg/divergence-check.sql" 2>&1); then
    echo "bdr: divergence check failed: $(echo "$out" | tail -n 1)"
    return
  fi
  # At most 20 rows a round, and a count: a table that differs wholesale must not flood the log.
  local rows count
  rows=$(echo "$out" | grep '|') || return 0
  count=$(echo "$rows" | wc -l)
  echo "$rows" | head -n 20 | while IFS='|' read -r table key here there since; do
    echo "bdr: divergence: $table key $key differs from the peer since $since" \
      "(here ${here:-missing}, peer ${there:-missing}); repair with npm run verify-replication -- --repair"
  done
  [ "$count" -gt 20 ] && echo "bdr: divergence: and $((count - 20)) more rows; the table failover_api.divergence holds them all"
  return 0
}

resync_due=0
while sleep 1; do
  if [ "$(date +%s)" -ge "$resync_due" ] && peer_ready && [ "$(here resync-needed.sql)" = t ]; then
    resync
    continue
  fi
  peer_ready && [ "$(kick)" -gt 0 ] 2>/dev/null && echo "bdr: restarted a subscription that was down, or stuck on a connection the restarted peer dropped, while the peer accepts connections"
  if [ "$divergence_every" -gt 0 ] && [ "$(date +%s)" -ge "$divergence_due" ]; then
    divergence_due=$(( $(date +%s) + divergence_every ))
    peer_ready && divergence_check
  fi
done
