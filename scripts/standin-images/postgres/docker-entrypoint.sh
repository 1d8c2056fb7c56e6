#!/usr/bin/env bash
# The stand-in's own implementation of the official postgres image's documented contract, for machines that
# cannot pull that image:
# - POSTGRES_PASSWORD (required), POSTGRES_USER (default postgres), POSTGRES_DB (default POSTGRES_USER),
#   POSTGRES_INITDB_ARGS, PGDATA (default /var/lib/postgresql/data);
# - on an empty PGDATA only: initdb, then a temporary server on the unix socket alone (no TCP, so nothing outside
#   sees a half-initialised node), the scripts in /docker-entrypoint-initdb.d in name order (*.sh executed if
#   executable, else sourced; *.sql through psql), then a fast stop;
# - the server itself runs as `postgres`, in the foreground, with the arguments given.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi

if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec gosu postgres "$BASH_SOURCE" "$@"
fi

if [ "$1" = 'postgres' ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set: the superuser needs a password}"
  export POSTGRES_USER="${POSTGRES_USER:-postgres}"
  export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, as in the official image
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") ${POSTGRES_INITDB_ARGS:-}
  printf '\nhost all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"

  shift
  pg_ctl -D "$PGDATA" -w start -o "$(printf '%q ' "$@") -c listen_addresses='' -p ${PGPORT:-5432}"
  export PGPASSWORD="$POSTGRES_PASSWORD"
  if [ "$POSTGRES_DB" != 'postgres' ]; then
    psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
      *.sql)
        echo "$0: running $f"; psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$f" ;;
      *) [ -e "$f" ] && echo "$0: ignoring $f" ;;
    esac
  done
  unset PGPASSWORD
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo 'PostgreSQL init process complete; ready for start up.'
  set -- postgres "$@"
fi

exec "$@"
