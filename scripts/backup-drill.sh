#!/usr/bin/env bash
# Proves the backup and recovery commands end to end on this machine, in a temporary folder on
# loopback ports (never the machine's own PostgreSQL):
#   a scratch "live" cluster started from the rendered postgresql.conf, archiving WAL through the
#   rendered pgBackRest configuration into a posix repository; `connect migrate` and `connect demo`
#   load it, plus account rows; `connect backup --type full`, more changes, `--type diff`, `--list`;
#   `connect restore --drill` must find every table identical; a change made to the live copy after
#   the backup must make the drill fail; `connect restore --to DIR --port N` (plan, then --yes, with
#   the WAL archived after the backup replayed); `connect maintenance` (dry run, then for real);
#   `connect backup --system` (tarball, manifest, sha256); `connect recover postgres` after the
#   cluster is killed, and redis-cache, redis-queue and connect started from nothing by
#   `connect recover … --yes`. Cleans everything up on exit and prints the timings.
#
#   scripts/backup-drill.sh                     # builds target/…/debug/connect if needed
#   CONNECT_BIN=path/to/connect scripts/backup-drill.sh
#   KEEP=1 scripts/backup-drill.sh              # keep the temporary folder
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-deploy.sh"
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || die "run as root: it starts PostgreSQL as postgres"
started=$(date +%s.%N)

apt_install pgbackrest postgresql logrotate openssl python3 redis-server bc
connect_binary

T=$(mktemp -d /tmp/connect-drill-check.XXXXXX)
chmod 755 "$T"
OUT=$T/out
cleanup() {
  set +e
  stop_scratch_postgres
  [ -f "$T/restored/postmaster.pid" ] && runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$T/restored" -m immediate stop >/dev/null 2>&1
  local pids=() pid
  for f in "$T/redis/cache.pid" "$T/redis/queue.pid"; do [ -f "$f" ] && pids+=("$(cat "$f")"); done
  # The `connect serve` that `connect recover connect` started: its exact command line, never a name.
  pids+=($(pgrep -f -x "$BIN serve" 2>/dev/null))
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  done
  if [ -n "${KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

TIMINGS=()
# timed NAME CMD…: runs the command (output shown, indented) and records how long it took.
timed() {
  local name=$1 t0 rc
  shift
  t0=$(date +%s.%N)
  "$@" 2>&1 | sed 's/^/    /'
  rc=${PIPESTATUS[0]}
  TIMINGS+=("$(printf '%-28s %6.1f s' "$name" "$(echo "$(date +%s.%N) - $t0" | bc)")")
  return "$rc"
}

relocated_deployment
export CONNECT_DEPLOY_SETTINGS=$T/deploy.toml
say "render and start the live cluster ($T)"
run "render" "2 CPUs, 2048 MiB, relocated" "$BIN" config render --out "$OUT" --settings "$T/deploy.toml" \
  --secrets "$T/secrets.toml" --cpus 2 --memory-mib 2048
start_scratch_postgres
# Installed as MANIFEST says: the Redis files belong to redis (connect recover starts them as redis).
chown redis:redis "$OUT"/redis/*.conf
chown -R redis:redis "$T/redis"
# The app's environment, straight to PostgreSQL (no PgBouncer here).
app() {
  (set -a && . "$OUT/connect/connect.env" && DATABASE_URL=$DATABASE_DIRECT_URL && set +a && exec "$BIN" "$@")
}
run "connect migrate" "DATABASE_DIRECT_URL from the rendered connect.env" app migrate
run "connect demo" "the real sample announcements + 2,000 synthetic programs" app demo --synthetic 2000
pg "insert into users (email, name, role) values ('drill@connect.test', '백업 훈련', 'ADMIN');
    insert into sessions (token_hash, user_id, csrf_token, expires_at)
      select '\\x01', id, 'csrf', now() - interval '1 day' from users where email = 'drill@connect.test';
    insert into organizations (kind, name) values ('company', '주식회사 백업')" connect
ok "account rows" "a user, an expired session, an organisation"
programs=$(pg "select count(*) from programs" connect)
ok "loaded" "$programs programs, $(pg "select pg_size_pretty(pg_database_size('connect'))" connect)"

say "backups"
timed "backup --type full" app backup --type full || fail "backup --type full" "exit $?"
pg "update programs set title = title || ' (수정)' where id in (select id from programs order by id limit 50);
    insert into users (email, name) values ('second@connect.test', '두 번째')" connect
timed "backup --type diff" app backup --type diff || fail "backup --type diff" "exit $?"
app backup --list | sed 's/^/    /'
kinds=$(app backup --list --json | "$PY" -c 'import json,sys; print(" ".join(b["type"] for b in json.load(sys.stdin)[0]["backup"]))')
expect "backup --list --json" "full diff" "$kinds"
ok "backup --list" "full, then diff"

say "restore drill"
timed "restore --drill (identical)" app restore --drill || fail "restore --drill" "the drill found differences (exit $?)"
ok "restore --drill" "every table identical"
pg "update users set name = '백업 뒤에 바뀜' where email = 'second@connect.test'" connect
set +e
timed "restore --drill (changed)" app restore --drill >"$T/drill-changed.out"
code=$?
set -e
cat "$T/drill-changed.out"
expect "drill detects a change" 1 "$code"
grep -Eq '^ *users .*DIFFERENT content' "$T/drill-changed.out" || fail "drill detects a change" "$(cat "$T/drill-changed.out")"
ok "drill detects a change" "exit 1, users: DIFFERENT content"

say "restore elsewhere"
pg "insert into users (email, name) values ('third@connect.test', 'WAL 재생')" connect
run "pgbackrest check" "the WAL holding the third user is archived" backrest check
RESTORED_PORT=$(free_port)
plan=$(app restore --to "$T/restored" --port "$RESTORED_PORT") || fail "restore --to (plan)" "$plan"
[ ! -e "$T/restored" ] || fail "restore --to (plan)" "the plan created $T/restored"
ok "restore --to (plan)" "$(grep -c '^  ' <<<"$plan") steps shown, nothing written without --yes"
timed "restore --to --yes" app restore --to "$T/restored" --port "$RESTORED_PORT" --yes || fail "restore --to --yes" "exit $?"
restored_users=$(runuser -u postgres -- psql -X -h "$T/pg" -p "$RESTORED_PORT" -U postgres -Atc "select count(*) from users" connect)
expect "restored cluster" 3 "$restored_users"
runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$T/restored" -m fast stop >/dev/null
ok "restore --to --yes" "promoted on :$RESTORED_PORT; the WAL after the last backup replayed (3 users, as live)"

say "maintenance"
maintain() {
  app maintenance --logrotate-conf "$OUT/logrotate/connect" --logrotate-state "$T/logrotate.state" "$@"
}
timed "maintenance --dry-run" maintain --dry-run || fail "maintenance --dry-run" "exit $?"
expect "dry run changes nothing" 1 "$(pg "select count(*) from sessions where expires_at < now()" connect)"
timed "maintenance" maintain || fail "maintenance" "exit $?"
expect "expired session deleted" 0 "$(pg "select count(*) from sessions where expires_at < now()" connect)"
ok "maintenance" "dry run changed nothing; the run deleted the expired session"

say "system backup"
mkdir -p "$T/app/releases/20260101T000000Z" "$T/app/releases/20260201T000000Z"
echo 'a release (the real one holds the connect binary)' >"$T/app/releases/20260201T000000Z/connect"
rm -rf "$T/app/current" && ln -s releases/20260201T000000Z "$T/app/current"
echo '%PDF-1.7 drill' >"$T/app/shared/uploads/document.pdf"
timed "backup --system" app backup --system || fail "backup --system" "exit $?"
tarball=$(ls "$T"/backup/system/connect_system_*.tar.gz)
(cd "$T/backup/system" && sha256sum -c --quiet "$(basename "$tarball").sha256") || fail "system tarball sha256" "mismatch"
listing=$(tar -tzf "$tarball")
for want in MANIFEST uploads/document.pdf config/connect.env config/deploy.toml releases/20260201T000000Z/connect; do
  grep -q "/$want\$" <<<"$listing" || fail "system tarball" "no $want in:"$'\n'"$listing"
done
ok "system tarball" "$(grep -c . <<<"$listing") entries, sha256 verified, manifest inside"

say "service recovery"
runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$T/pg/data" -m immediate stop >/dev/null
set +e
app recover postgres | sed 's/^/    /'
code=${PIPESTATUS[0]}
set -e
expect "recover (diagnosis)" 1 "$code"
timed "recover postgres --yes" app recover postgres --yes || fail "recover postgres --yes" "exit $?"
expect "postgres answers" "$programs" "$(pg "select count(*) from programs" connect)"
ok "recover postgres" "killed, diagnosed, restarted with the rendered files, answering"
timed "recover redis-cache --yes" app recover redis-cache --yes || fail "recover redis-cache --yes" "exit $?"
timed "recover redis-queue --yes" app recover redis-queue --yes || fail "recover redis-queue --yes" "exit $?"
timed "recover connect --yes" app recover connect --yes || fail "recover connect --yes" "exit $?"
app recover connect >/dev/null || fail "recover connect" "connect does not answer after its recovery"
ok "recover redis, connect" "started from nothing with the rendered files; connect serve answers /api/health/live"

echo
say "timings"
printf '  %s\n' "${TIMINGS[@]}"
say "backup drill passed in $(printf '%.0f' "$(echo "$(date +%s.%N) - $started" | bc)") s"
