#!/usr/bin/env bash
# Benchmark of GET /api/programs over HTTP at 100,000 programs (issue: foundation, item 10).
# Builds release binaries, fills a scratch database with the synthetic catalogue (once), starts
# `connect serve` on loopback, and measures a mix of 1–2-word Korean queries and filters at 1 and
# 32 concurrent clients with connect-bench. Prints the figures docs/BENCHMARKS.md records.
#   bench/search.sh                    # 100,000 programs, 20 s per run
#   PROGRAMS=20000 DURATION=10s bench/search.sh
source "$(dirname "$0")/../scripts/lib.sh"
cd "$(dirname "$0")/.."

PROGRAMS=${PROGRAMS:-100000}
DURATION=${DURATION:-20s}
PORT=${PORT:-18080}
DB=connect_bench_${PROGRAMS}
TARGET=${CARGO_TARGET_DIR:-target}

ensure_postgres
ensure_redis
cargo build --release --quiet -p connect --bin connect && cargo build --release --quiet -p connect-bench

export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/$DB
export REDIS_CACHE_URL=redis://127.0.0.1:6379/3 REDIS_QUEUE_URL=redis://127.0.0.1:6379/4 REDIS_KEY_PREFIX=connect_bench
export JWT_SECRET=bench-only-secret-0123456789abcdef0123456789 ENCRYPTION_KEY=$(printf '0%.0s' {1..64})
export CONNECT_INDEX_DIR=${TMPDIR:-/tmp}/connect-bench-index-$PROGRAMS

if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
  say "합성 카탈로그 ${PROGRAMS}건 생성"
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB"
  rm -rf "$CONNECT_INDEX_DIR"
  /usr/bin/time -f "  생성 %es, 최대 RSS %MkB" "$TARGET/release/connect" demo --synthetic "$PROGRAMS" --seed 1
fi

"$TARGET/release/connect" migrate >/dev/null
"$TARGET/release/connect" serve --listen "127.0.0.1:$PORT" 2>"${TMPDIR:-/tmp}/connect-bench-serve.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
started=$(date +%s.%N)
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null || die "server did not become healthy"
printf '  준비까지 %.1fs (색인 적재 포함)\n' "$(echo "$(date +%s.%N) - $started" | bc)"

MIX=${TMPDIR:-/tmp}/connect-bench-mix.txt
"$TARGET/release/connect-bench" paths --out "$MIX" --count 400 --seed 1
for clients in 1 32; do
  say "동시 클라이언트 $clients, $DURATION"
  "$TARGET/release/connect-bench" http --url "http://127.0.0.1:$PORT" --paths "$MIX" \
    --concurrency "$clients" --duration "$DURATION" --warmup 3s --pid "$SERVER"
done
