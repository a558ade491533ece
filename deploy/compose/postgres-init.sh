#!/usr/bin/env bash
# First start of the postgres container: a role and database for the distro ledger, apart from
# Airflow's metadata database so each can be backed up, restored and migrated on its own.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=pw="$DISTRO_DB_PASSWORD" <<'SQL'
CREATE ROLE distro LOGIN PASSWORD :'pw';
CREATE DATABASE distro OWNER distro ENCODING 'UTF8' TEMPLATE template0;
SQL
