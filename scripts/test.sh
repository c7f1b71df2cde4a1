#!/usr/bin/env bash
# Runs the whole test suite against real services: PostgreSQL and Redis (started when not running),
# plus private PgBouncer, PostgreSQL and redis-server instances that the tests start themselves, then
# renders the production configuration and checks every file with the tool that reads it, and runs
# the rendered stack end to end (scripts/stack-e2e.sh).
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

apt_install gcc libc6-dev pgbouncer
bash scripts/install-browser.sh
ensure_rust
ensure_postgres
ensure_redis

say "cargo fmt --check, clippy"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
say "tests"
cargo test --workspace --no-fail-fast "$@"
say "deployment files, each checked by its own tool"
bash scripts/check-config.sh
say "the production stack end to end: nginx (TLS) → connect → PgBouncer → PostgreSQL, Redis, worker, Prometheus"
bash scripts/stack-e2e.sh
say "backup, restore drill, maintenance and recovery on scratch clusters"
bash scripts/backup-drill.sh
say "deploy and rollback under steady load through nginx: zero failed requests"
bash scripts/deploy-proof.sh
