#!/usr/bin/env bash
# Starts a working Connect with the real sample catalogue on a fresh Debian 12 / Ubuntu 22.04+:
# installs what is missing, starts PostgreSQL and Redis, builds, migrates, loads, serves.
#   scripts/demo.sh                    # sample data at http://127.0.0.1:8080
#   SYNTHETIC=100000 scripts/demo.sh   # plus 100,000 synthetic programs
#   PORT=9000 scripts/demo.sh
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

PORT=${PORT:-8080}
SYNTHETIC=${SYNTHETIC:-0}

apt_install gcc libc6-dev curl openssl
ensure_rust
ensure_postgres
ensure_redis
ensure_database connect

mkdir -p var
if [ ! -f var/dev.env ]; then
  # Secrets for this machine only; var/ is not committed.
  cat > var/dev.env <<ENV
DATABASE_URL=postgresql://connect:connect@127.0.0.1:5432/connect
REDIS_CACHE_URL=redis://127.0.0.1:6379/0
REDIS_QUEUE_URL=redis://127.0.0.1:6379/1
JWT_SECRET=$(openssl rand -hex 32)
ENCRYPTION_KEY=$(openssl rand -hex 32)
CONNECT_INDEX_DIR=var/search-index
ENV
  chmod 600 var/dev.env
fi
set -a; source var/dev.env; set +a
# Plain HTTP on this machine: cookies without Secure, links pointing here. No SMTP_URL: mails are
# logged as not sent (set SMTP_URL in var/dev.env to send them).
export CONNECT_COOKIE_SECURE=false CONNECT_PUBLIC_URL="http://127.0.0.1:${PORT}" CONNECT_UPLOAD_DIR=var/uploads

say "빌드 (cargo build --release)"
cargo build --release --quiet --bin connect
say "데이터베이스 준비와 샘플 적재"
"${CARGO_TARGET_DIR:-target}/release/connect" demo --synthetic "$SYNTHETIC"

say "Connect: http://127.0.0.1:${PORT}/api/programs?q=%EC%B0%BD%EC%97%85   (상태 /api/health, API 문서 /api/openapi.json; Ctrl-C로 종료)"
exec "${CARGO_TARGET_DIR:-target}/release/connect" serve --listen "127.0.0.1:${PORT}"
