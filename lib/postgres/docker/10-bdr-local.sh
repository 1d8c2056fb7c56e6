#!/usr/bin/env bash
# First start only (empty data volume): roles, database, schema, pglogical node and replication set, before the
# server takes connections. bdr-entrypoint.sh runs the same idempotent script again on every start.
# Passwords come from the environment as psql variables, never from the rendered SQL.
set -euo pipefail
psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v api_password="$API_PASSWORD" -v replication_password="$REPLICATION_PASSWORD" \
  -f "${BDR_CONFIG_DIR:-/etc/postgresql/bdr}/bootstrap-local.sql"
