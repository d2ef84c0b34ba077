# Shared by ops/test.sh and ops/bench.sh: make sure the local services answer.
# Source it; functions print what they do and exit with a clear message on failure.

PG_URL_DEFAULT="postgres://postgres:postgres@127.0.0.1:5432"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = "0" ]; }

apt_updated=""
apt_install() {
  is_root || die "Missing Debian packages: $*. Install them (sudo apt-get install -y $*) or run as root."
  command -v apt-get >/dev/null || die "Missing packages ($*) and no apt-get to install them."
  if [ -z "$apt_updated" ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ensure_packages CMD:PACKAGE ... installs PACKAGE when CMD is not on the PATH.
ensure_packages() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() {  # host port seconds
  local i
  for i in $(seq 1 $(( $3 * 10 ))); do port_open "$1" "$2" && return 0; sleep 0.1; done
  return 1
}

ensure_postgres() {
  if ! port_open 127.0.0.1 5432; then
    if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
      apt_install postgresql
    fi
    is_root || die "PostgreSQL is installed but not running on 127.0.0.1:5432; start it."
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
      || pg_ctlcluster "$version" main start
    wait_port 127.0.0.1 5432 30 || die "PostgreSQL did not start on 127.0.0.1:5432."
  fi
  # A fresh Debian cluster asks for a password on TCP; give postgres the one we use.
  if ! psql "$PG_URL_DEFAULT/postgres" -Atqc 'select 1' >/dev/null 2>&1; then
    is_root || die "Cannot log in to PostgreSQL as postgres:postgres on 127.0.0.1."
    su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
    psql "$PG_URL_DEFAULT/postgres" -Atqc 'select 1' >/dev/null \
      || die "PostgreSQL refuses postgres:postgres on 127.0.0.1; check pg_hba.conf."
  fi
}

ensure_redis() {
  port_open 127.0.0.1 6379 && return 0
  command -v redis-server >/dev/null || apt_install redis-server
  local dir=/var/lib/redis
  [ -w "$dir" ] || dir=$(mktemp -d)
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$dir" --logfile "$dir/yousync-test.log"
  wait_port 127.0.0.1 6379 15 || die "Redis did not start on 127.0.0.1:6379."
}

free_port() {
  .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_moto: runs moto's S3 server on a free port; sets MOTO_PORT and MOTO_PID.
start_moto() {
  MOTO_PORT=$(free_port)
  say "starting moto S3 server on 127.0.0.1:$MOTO_PORT"
  .venv/bin/moto_server -H 127.0.0.1 -p "$MOTO_PORT" >var/moto.log 2>&1 &
  MOTO_PID=$!
  wait_port 127.0.0.1 "$MOTO_PORT" 30 || die "moto server did not start (see var/moto.log)."
}
