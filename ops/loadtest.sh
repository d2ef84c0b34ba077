#!/usr/bin/env bash
# `make loadtest`: load and faults in service mode on this machine (bench/loadtest.py):
# a fresh PostgreSQL database, ports for a Redis and an S3 relay of the run's own (the
# harness starts them, never the machine's Redis on 6379), production settings, then
# `python -m bench loadtest "$@"` (Locust, bench/locustfile.py). Writes the "Load and
# faults (Locust)" section of docs/benchmarks.md. Not part of `make test`.
#
# Environment (defaults in brackets): LOADTEST_DB [yousync_loadtest],
#   DB_POOL_MAX_SIZE [10] and GUNICORN_THREADS [8] per server process,
#   LOADTEST_LOG_LEVEL [INFO: the request log, as in production].
# A short smoke run: make loadtest ARGS='--users 20 --duration 30 --smoke ...'
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/services.sh
ensure_packages psql:postgresql-client espeak-ng:espeak-ng ffmpeg:ffmpeg redis-server:redis-server
ensure_postgres

DB="${LOADTEST_DB:-yousync_loadtest}"
[[ "$DB" =~ ^[a-z_][a-z0-9_]*$ ]] || die "database names are lower-case identifiers: $DB"
say "PostgreSQL: database $DB (fresh); $(psql "$PG_URL_DEFAULT/postgres" -Atqc \
  'select count(*) from pg_stat_activity') of $(psql "$PG_URL_DEFAULT/postgres" -Atqc \
  'show max_connections') connections in use"
psql "$PG_URL_DEFAULT/postgres" -qc "drop database if exists $DB with (force)"
psql "$PG_URL_DEFAULT/postgres" -qc "create database $DB"
mkdir -p var/loadtest
rm -rf var/loadtest/redis var/loadtest/heartbeat var/loadtest/var

export DATABASE_URL="$PG_URL_DEFAULT/$DB"
export REDIS_URL="redis://127.0.0.1:$(free_port)/0"
export AWS_STORAGE_BUCKET_NAME=yousync-loadtest AWS_S3_REGION_NAME=us-east-1
export AWS_S3_ENDPOINT_URL="http://127.0.0.1:$(free_port)"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export SECRET_KEY="loadtest-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DEBUG=0 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 SECURE_HSTS_SECONDS=0
export ACCOUNT_EMAIL_VERIFICATION=none VAR_DIR=var/loadtest/var
export LOG_LEVEL="${LOADTEST_LOG_LEVEL:-INFO}"
export DB_POOL_MAX_SIZE="${DB_POOL_MAX_SIZE:-10}" GUNICORN_THREADS="${GUNICORN_THREADS:-8}"
# The workers score takes; the guide voices of the bench catalogue are not the subject.
export GUIDE_VOICE=0
# Every simulated learner comes from 127.0.0.1: the per-address limits would count them
# as one. The per-learner limits (API_THROTTLE_USER, API_THROTTLE_UPLOAD) stay.
export API_THROTTLE_ANON=off API_THROTTLE_USER_IP=off
exec .venv/bin/python -m bench loadtest "$@"
