#!/usr/bin/env bash
# Ingestion benchmarks (docs/BENCHMARKS.md, "Ingestion"). Builds the release binaries, then
#  1. parser + normaliser throughput per source kind over the real fixtures (connect-bench parse);
#  2. one scrape cycle of 500 sources with production politeness against a loopback fixture site
#     (25 authorities), into a scratch database that is dropped afterwards (connect-bench ingest),
#     then a second cycle (conditional GETs).
# Everything runs on loopback and stops by itself (a cycle over TIMEOUT fails the run).
#   bench/ingest.sh
#   SOURCES=1000 HOSTS=50 CONCURRENCY=16 LATENCY_MS=200 bench/ingest.sh
source "$(dirname "$0")/../scripts/lib.sh"
cd "$(dirname "$0")/.."

ITERATIONS=${ITERATIONS:-200}
SOURCES=${SOURCES:-500}
HOSTS=${HOSTS:-25}
CONCURRENCY=${CONCURRENCY:-8}
LATENCY_MS=${LATENCY_MS:-100}
CYCLES=${CYCLES:-2}
TIMEOUT=${TIMEOUT:-300s}
TARGET=${CARGO_TARGET_DIR:-target}

ensure_postgres
cargo build --release --quiet -p connect-bench

say "파서·정규화 처리량 (종류별, 반복 $ITERATIONS)"
"$TARGET/release/connect-bench" parse --iterations "$ITERATIONS"

say "수집 주기: 소스 $SOURCES, 호스트 $HOSTS, 동시 $CONCURRENCY, 지연 ${LATENCY_MS}ms"
/usr/bin/time -f "  최대 RSS %MkB, CPU %P" timeout 900 "$TARGET/release/connect-bench" ingest \
  --sources "$SOURCES" --hosts "$HOSTS" --concurrency "$CONCURRENCY" \
  --latency-ms "$LATENCY_MS" --cycles "$CYCLES" --timeout "$TIMEOUT"
