#!/usr/bin/env bash
# The API throughput benchmark (`make bench-api`, also part of `make bench`): a fresh
# PostgreSQL database yousync_apibench and Redis db 12, the bench data
# (manage.py bench_api_fixture), then manage.py bench_api: uvicorn with 2 workers in
# production settings and wrk against the mobile API's read endpoints. Writes the
# "API throughput (wrk)" section of docs/benchmarks.md. Arguments go to bench_api
# (e.g. --only script,overview --repeat 1 --no-write).
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/services.sh
mkdir -p var
ensure_packages psql:postgresql-client wrk:wrk
ensure_postgres
ensure_redis

say "API throughput benchmark (uvicorn, 2 workers, wrk)"
DB=yousync_apibench
psql "$PG_URL_DEFAULT/postgres" -qc "drop database if exists $DB with (force)"
psql "$PG_URL_DEFAULT/postgres" -qc "create database $DB"
export DATABASE_URL="$PG_URL_DEFAULT/$DB"
export REDIS_URL="redis://127.0.0.1:6379/12"
export CACHE_PREFIX=yousync-apibench CHANNELS_PREFIX=yousync-apibench DRAMATIQ_NAMESPACE=yousync-apibench
export SECRET_KEY="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DEBUG=0 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 VAR_DIR=var/apibench
export ACCOUNT_EMAIL_VERIFICATION=none
# The server logs every request as in production (INFO, JSON lines, to var/apibench).
export LOG_LEVEL="${BENCH_API_LOG_LEVEL:-INFO}"
# Rate limits high enough never to answer 429 (they are still checked on each request).
for scope in ANON USER USER_IP AUTH UPLOAD WEBHOOK; do
  export "API_THROTTLE_$scope=100000000/min"
done
redis-cli -n 12 flushdb >/dev/null 2>&1 || .venv/bin/python - <<'PY'
import redis; redis.Redis.from_url("redis://127.0.0.1:6379/12").flushdb()
PY
.venv/bin/python manage.py migrate --noinput -v 0
LOG_LEVEL=WARNING .venv/bin/python manage.py bench_api_fixture
.venv/bin/python manage.py bench_api "$@"
