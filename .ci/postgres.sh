#!/usr/bin/env bash
# Installs (if missing) and starts Debian's PostgreSQL on 127.0.0.1:5432 with a test role and
# database, then prints the URL. Idempotent: safe to run when the server is already up.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  $SUDO pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  $SUDO pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 30); do
  as_postgres psql -qtAc "select 1" >/dev/null 2>&1 && break
  sleep 1
done
as_postgres psql -qtAc "select 1 from pg_roles where rolname='cadre360'" | grep -q 1 \
  || as_postgres psql -qc "create role cadre360 login password 'cadre360' createdb" >&2
as_postgres psql -qtAc "select 1 from pg_database where datname='cadre360_test'" | grep -q 1 \
  || as_postgres psql -qc "create database cadre360_test owner cadre360" >&2
echo "postgresql://cadre360:cadre360@127.0.0.1:5432/cadre360_test"
