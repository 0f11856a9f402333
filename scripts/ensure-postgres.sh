#!/usr/bin/env bash
# Make sure the PostgreSQL used by the tests is up and has the test database.
# In CI (CI=true) a missing PostgreSQL is a failure; elsewhere the PostgreSQL tests skip with a message.
set -euo pipefail
HOST=${PGHOST:-127.0.0.1}
PORT=${PGPORT:-5432}
USER_=${PGUSER:-postgres}
DB=${LINLI_TEST_PG_DB:-linli_test}

ready() { pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then echo "PostgreSQL client tools are missing; CI needs PostgreSQL" >&2; exit 1; fi
  echo "PostgreSQL is not installed here: the PostgreSQL tests will be skipped."; exit 0
fi
if ! ready && [ -d /etc/postgresql ]; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi
if ! ready; then
  if [ "${CI:-}" = "true" ]; then echo "PostgreSQL is not reachable at $HOST:$PORT; CI needs it" >&2; exit 1; fi
  echo "PostgreSQL is not reachable at $HOST:$PORT: the PostgreSQL tests will be skipped."; exit 0
fi
if ! psql -h "$HOST" -p "$PORT" -U "$USER_" -d postgres -tAc "select 1 from pg_database where datname='$DB'" | grep -q 1; then
  psql -h "$HOST" -p "$PORT" -U "$USER_" -d postgres -qc "create database $DB"
  echo "created database $DB"
fi
