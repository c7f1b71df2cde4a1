# Shared by scripts/demo.sh and scripts/test.sh: install what is missing on Debian/Ubuntu and start
# PostgreSQL and Redis on loopback when they are not already running. Source it; don't run it.

set -euo pipefail

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m오류:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

apt_updated=""
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "설치: ${missing[*]}"
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    say "Rust 설치 (rustup)"
    apt_install curl ca-certificates
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal \
      || die "Rust를 설치할 수 없습니다. https://rustup.rs 를 참고해 설치한 뒤 다시 실행하세요."
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
}

ensure_postgres() {
  apt_install postgresql postgresql-contrib
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    say "PostgreSQL 시작"
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
      || as_root pg_ctlcluster "$version" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL이 127.0.0.1:5432에서 응답하지 않습니다"
  fi
}

ensure_redis() {
  apt_install redis-server
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    say "Redis 시작"
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/connect-dev.log
    for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || die "Redis가 127.0.0.1:6379에서 응답하지 않습니다"
  fi
}

# A login role and database for development: password auth works on a stock Debian (scram on TCP)
# as well as on trust-auth machines.
ensure_database() {
  local name=$1
  as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'connect') THEN
    CREATE ROLE connect LOGIN PASSWORD 'connect' CREATEDB;
  END IF;
END \$\$;
SQL
  if ! as_postgres psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" -d postgres | grep -q 1; then
    as_postgres createdb -O connect "$name"
  fi
}
