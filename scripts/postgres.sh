#!/usr/bin/env bash
# Start the machine's PostgreSQL (Debian's package) and make a role and database for the tests.
# Prints the SQLAlchemy URL on stdout. Installs the server first if it is missing (needs root).
set -euo pipefail
ROLE=frontdesk
PASSWORD=frontdesk
DB=frontdesk

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing PostgreSQL (Debian package postgresql)..." >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 || { echo "PostgreSQL did not start" >&2; exit 1; }
as_postgres() { runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 "$@"; }
if [ "$(as_postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='$ROLE'")" != "1" ]; then
  as_postgres -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
fi
if [ "$(as_postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'")" != "1" ]; then
  as_postgres -c "CREATE DATABASE $DB OWNER $ROLE" >&2
fi
echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:5432/$DB"
