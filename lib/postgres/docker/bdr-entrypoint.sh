#!/usr/bin/env bash
# Wraps the official entrypoint for a pglogical node. The rendered postgresql.conf, pg_hba.conf and bootstrap SQL
# are uploaded into $BDR_CONFIG_DIR by Terraform; this script only wires them up.
set -euo pipefail
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD must be set}"
: "${API_PASSWORD:?API_PASSWORD must be set}"
: "${BDR_OUTPUT_PLUGIN_LIBRARIES:=pgoutput, test_decoding, pglogical_output}"
# Where the config and the server's unix socket are; the test of this script points them elsewhere.
export BDR_CONFIG_DIR="${BDR_CONFIG_DIR:-/etc/postgresql/bdr}"
export BDR_SOCKET_DIR="${BDR_SOCKET_DIR:-/var/run/postgresql}"

# pglogical's apply workers authenticate to the peer with this file (scram needs a password).
export PGPASSFILE="${PGPASSFILE:-/var/lib/postgresql/pgpass}"
escaped=$(printf '%s' "$REPLICATION_PASSWORD" | sed 's/[\\:]/\\&/g')
printf '*:*:*:%s:%s\n' "${REPLICATION_USER:-replicator}" "$escaped" > "$PGPASSFILE"
chown postgres:postgres "$PGPASSFILE"
chmod 600 "$PGPASSFILE"

args=("$@")
# PostgreSQL 15.19, 16.15 and later refuse output plugins that are not allowlisted.
# (grep without -q reads all its input: an early exit would SIGPIPE `cut` and fail the pipeline under pipefail.)
if postgres --describe-config 2>/dev/null | cut -f1 | grep -x output_plugin_libraries >/dev/null; then
  args+=(-c "output_plugin_libraries=${BDR_OUTPUT_PLUGIN_LIBRARIES}")
fi

# On every container start, in a process detached from the postmaster (the container's init reaps it):
# - the local bootstrap again, with the passwords in this container's environment. It is idempotent, so it
#   repairs a first init that failed half-way and applies a changed password to a volume that already has roles
#   (the image runs initdb.d scripts on an empty volume only);
# - the subscription, retried until the peer's node exists.
# Then a watchdog: pglogical 2.4 sometimes leaves an apply worker dead for minutes after its peer restarts;
# re-enabling a subscription that is down wakes its manager (subscription-watchdog.sql touches nothing else).
( setsid bash -c '
    psql_bdr() { gosu postgres psql -X -q -h "$BDR_SOCKET_DIR" -d postgres "$@"; }
    # Over TCP, as the healthcheck: the first-init server listens on the unix socket only, and the bootstrap
    # must not run against it (an init script may still be creating what the bootstrap expects).
    until pg_isready -q -h "${BDR_READY_HOST:-127.0.0.1}" -U postgres -d postgres \
      && psql_bdr -v api_password="$API_PASSWORD" -v replication_password="$REPLICATION_PASSWORD" -f "$0/bootstrap-local.sql" \
      && psql_bdr -f "$0/bootstrap-subscribe.sql"; do
      sleep 2
    done
    echo "bdr: bootstrapped, and subscribed to the peer"
    while sleep 15; do
      psql_bdr -t -A -f "$0/subscription-watchdog.sql" 2>/dev/null | grep -qx "[1-9][0-9]*" \
        && echo "bdr: re-enabled a subscription that was down"
    done' "$BDR_CONFIG_DIR" & )

exec docker-entrypoint.sh "${args[@]}"
