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

# On every container start, detached from the postmaster (the container's init reaps it): the bootstrap, the
# subscription or the copy from the peer, and the watchdog (bdr-bootstrap.sh says which and why).
( setsid bdr-bootstrap.sh "$BDR_CONFIG_DIR" & )

exec docker-entrypoint.sh "${args[@]}"
