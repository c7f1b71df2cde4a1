#!/usr/bin/env bash
# Renders every deployment file (`connect config render`) and checks each one with the tool that
# reads it, on this machine, on loopback ports under a temporary folder:
#   nginx -t, then nginx really serving HTTPS in front of `connect serve` on the unix socket;
#   postgres -C on the full-size render, and a scratch cluster started with the rendered file;
#   PgBouncer started with its files and queried through; both Redis instances started and read back;
#   systemd-analyze verify (any output fails); promtool check config / check rules / test rules;
#   amtool check-config; the Grafana files parsed and every panel's PromQL through promtool;
#   pgBackRest stanza-create, check, and the cron file's backup lines run as written;
#   fail2ban-client -t and fail2ban-regex on the log lines nginx wrote; logrotate -d; sshd -t / -T;
#   the ufw script run against `ufw --dry-run`.
# One line per check; stops at the first failure with the tool's output. Runs as root (it installs
# missing Debian packages, starts services as postgres). Takes about a minute once packages are in.
#
#   scripts/check-config.sh            # builds target/…/debug/connect if needed
#   CONNECT_BIN=path/to/connect scripts/check-config.sh
#   KEEP=1 scripts/check-config.sh     # keep the temporary folder for inspection
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-deploy.sh"
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || die "run as root: it starts PostgreSQL and PgBouncer as postgres, nginx on loopback"
started=$(date +%s)

# --- tools -----------------------------------------------------------------------------------------
install_tools nginx pgbouncer redis-server prometheus prometheus-alertmanager pgbackrest fail2ban \
  python3-systemd python3-yaml openssh-server ufw postgresql logrotate openssl curl systemd
PGBIN=$(pg_bin)
connect_binary

# --- a deployment under a temporary folder --------------------------------------------------------
T=$(mktemp -d /tmp/connect-check.XXXXXX)
chmod 755 "$T"
OUT=$T/out
PIDS=()
cleanup() {
  set +e
  [ -f "$T/nginx/nginx.pid" ] && nginx -p "$T/nginx/" -c "$OUT/nginx/nginx.conf" -s stop 2>/dev/null
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for f in "$T/pgbouncer/pgbouncer.pid" "$T/redis/cache.pid" "$T/redis/queue.pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  stop_scratch_postgres
  [ -n "${made_run_sshd:-}" ] && rmdir /run/sshd 2>/dev/null
  if [ -n "${KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

relocated_deployment

say "render ($T)"
run "render (test)" "small machine: 2 CPUs, 2048 MiB" \
  "$BIN" config render --out "$OUT" --settings "$T/deploy.toml" --secrets "$T/secrets.toml" --cpus 2 --memory-mib 2048
run "render (production)" "config/deploy.toml for this machine ($(nproc) CPUs)" \
  "$BIN" config render --out "$T/prod" --settings config/deploy.toml --secrets "$T/prod-secrets.toml"
count=$(grep -vc '^#' "$OUT/MANIFEST")
leftover=$(grep -rnE '\{\{[^ ]' "$OUT" "$T/prod" || true)
[ -z "$leftover" ] || fail "placeholders" "$leftover"
ok "placeholders" "$count files each, no unreplaced {{name}}"
DB_PASSWORD=$(secret database_password)
chown postgres:postgres "$OUT/pgbouncer/userlist.txt"

# --- PostgreSQL ------------------------------------------------------------------------------------
say "PostgreSQL"
prod_conf=$T/prod/postgresql/postgresql.conf
shown=""
for name in shared_buffers effective_cache_size work_mem maintenance_work_mem max_wal_size max_worker_processes; do
  value=$(runuser -u postgres -- "$PGBIN/postgres" --config-file="$prod_conf" -C "$name" 2>&1) ||
    fail "postgres -C (production)" "$value"
  shown="$shown $name=$(sed -n "s/^$name = //p" "$prod_conf")"
done
ok "postgres -C (production)" "${shown# }"

start_scratch_postgres
want_buffers=$(sed -n "s/^shared_buffers = //p" "$OUT/postgresql/postgresql.conf")
expect "postgres settings" "$want_buffers|on|replica|pg_stat_statements" \
  "$(pg "select current_setting('shared_buffers') || '|' || current_setting('archive_mode') || '|' || current_setting('wal_level') || '|' || current_setting('shared_preload_libraries')")"
ok "postgres settings" "shared_buffers=$want_buffers archive_mode=on wal_level=replica"

# --- PgBouncer ----------------------------------------------------------------------------------------
say "PgBouncer"
run "pgbouncer start" "as postgres on :$PGB" runuser -u postgres -- pgbouncer -d "$OUT/pgbouncer/pgbouncer.ini"
for _ in $(seq 1 50); do [ -S "$T/pgbouncer/.s.PGSQL.$PGB" ] && break; sleep 0.1; done
through=$(PGPASSWORD=$DB_PASSWORD psql -X -h 127.0.0.1 -p "$PGB" -U connect -d connect -Atc \
  "select current_user || '@' || current_database() || ' ' || current_setting('port')" 2>&1) || fail "psql through pgbouncer" "$through"
expect "psql through pgbouncer" "connect@connect $PG" "$through"
ok "psql through pgbouncer" "scram-sha-256 login, transaction pool → :$PG"

# --- Redis ------------------------------------------------------------------------------------------
say "Redis"
redis_get() { # PORT PASSWORD NAME
  redis-cli -p "$1" -a "$2" --no-auth-warning config get "$3" | sed -n 2p
}
for role in cache queue; do
  port=$CACHE password=$(secret redis_cache_password)
  [ "$role" = queue ] && port=$QUEUE password=$(secret redis_queue_password)
  run "redis-$role start" "on :$port" redis-server "$OUT/redis/redis-$role.conf" --daemonize yes
  for _ in $(seq 1 50); do redis-cli -p "$port" -a "$password" --no-auth-warning ping >/dev/null 2>&1 && break; sleep 0.1; done
  anonymous=$(redis-cli -p "$port" ping 2>&1)
  case "$anonymous" in *NOAUTH*) ;; *) fail "redis-$role auth" "PING without the password answered: $anonymous" ;; esac
  got="$(redis_get "$port" "$password" maxmemory-policy) $(redis_get "$port" "$password" appendonly)"
  got="$got $(redis_get "$port" "$password" appendfsync) $(redis_get "$port" "$password" maxmemory)"
  if [ "$role" = cache ]; then
    [[ "$got" == "allkeys-lru no "* ]] || fail "redis-cache config" "$got"
    [ -z "$(redis_get "$port" "$password" save)" ] || fail "redis-cache config" "save is not empty"
  else
    [[ "$got" == "noeviction yes everysec "* ]] || fail "redis-queue config" "$got"
    redis-cli -p "$port" -a "$password" --no-auth-warning set check:aof 1 >/dev/null
    sleep 1.2
    grep -rqs 'check:aof' "$T/redis/queue" || fail "redis-queue config" "the write is not in the append-only file"
  fi
  ok "redis-$role config" "policy/appendonly/fsync/maxmemory: $got; password required"
done

# --- the app behind nginx -------------------------------------------------------------------------
say "nginx → connect serve"
run "nginx -t" "$OUT/nginx/nginx.conf" nginx -t -q -p "$T/nginx/" -c "$OUT/nginx/nginx.conf"
app_env() { (set -a && . "$OUT/connect/connect.env" && set +a && exec "$@"); }
run "connect migrate" "DATABASE_DIRECT_URL from connect.env" app_env "$BIN" migrate
# Not through app_env: $! must be connect itself, or the cleanup's kill leaves it running.
(set -a && . "$OUT/connect/connect.env" && set +a && exec "$BIN" serve) >>"$T/app/shared/logs/connect.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do [ -S "$T/run/connect.sock" ] && break; sleep 0.1; done
[ -S "$T/run/connect.sock" ] || fail "connect serve" "$(tail -n 20 "$T/app/shared/logs/connect.log")"
ok "connect serve" "listening on unix:$T/run/connect.sock (connect.env)"
run "nginx start" "http :$HTTP, https :$HTTPS, status :$STATUS" nginx -p "$T/nginx/" -c "$OUT/nginx/nginx.conf"
for _ in $(seq 1 50); do [ -s "$T/nginx/nginx.pid" ] && break; sleep 0.1; done

site=https://connect.test:$HTTPS
curl_site() { curl -sS --cacert "$T/tls/fullchain.pem" --resolve "connect.test:$HTTPS:127.0.0.1" "$@"; }
redirect=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Host: connect.test' "http://127.0.0.1:$HTTP/api/programs?q=x")
expect "http redirect" "301 $site/api/programs?q=x" "$redirect"
ok "http redirect" "$redirect"
echo token-body >"$T/acme/.well-known/acme-challenge/token"
expect "acme challenge" "token-body" "$(curl -sS -H 'Host: connect.test' "http://127.0.0.1:$HTTP/.well-known/acme-challenge/token")"
ok "acme challenge" "served over plain HTTP from the webroot"
headers=$(curl_site --http2 -D - -o /dev/null -w 'status=%{http_code} http=%{http_version}\n' "$site/api/health/live")
for want in 'status=200 http=2' 'strict-transport-security: max-age=63072000; includeSubDomains; preload' \
  'x-frame-options: DENY' 'x-content-type-options: nosniff' "content-security-policy: default-src 'none'"; do
  grep -qiF "$want" <<<"$headers" || fail "https /api/health/live" "missing '$want' in:"$'\n'"$headers"
done
ok "https /api/health/live" "200 over HTTP/2 through the unix socket, security headers present"
asset=$(curl_site "$site/" | grep -o '/static/app\.[0-9a-f]*\.css' | head -n 1)
static=$(curl_site -D - -o /dev/null "$site${asset:-/static/missing}")
[ "$(grep -ci '^cache-control: public, max-age=31536000, immutable' <<<"$static")" = 1 ] &&
  [ "$(grep -ci '^cache-control:' <<<"$static")" = 1 ] &&
  grep -qi 'strict-transport-security' <<<"$static" || fail "static caching" "${asset:-no asset on /}"$'\n'"$static"
ok "static caching" "$asset: the app's one Cache-Control (immutable, a year), security headers kept"
gzip=$(curl_site -D - -o /dev/null -H 'Accept-Encoding: gzip' "$site/api/openapi.json")
grep -qi 'content-encoding: gzip' <<<"$gzip" || fail "gzip" "$gzip"
ok "gzip" "/api/openapi.json compressed"
expect "metrics not public" 404 "$(curl_site -o /dev/null -w '%{http_code}' "$site/api/metrics")"
metrics=$(curl -sS "http://127.0.0.1:$STATUS/api/metrics")
grep -q '^http_request_duration_seconds_bucket' <<<"$metrics" || fail "metrics on status port" "$metrics"
grep -q '^Active connections' <<<"$(curl -sS "http://127.0.0.1:$STATUS/nginx_status")" || fail "stub_status" "no counters"
ok "metrics" "404 on the site, served on 127.0.0.1:$STATUS with nginx stub_status"
codes=$(for _ in $(seq 1 30); do curl_site -o /dev/null -w '%{http_code}\n' -X POST "$site/api/auth/login"; done | sort | uniq -c | awk '{printf "%s%s× %s", (NR > 1 ? ", " : ""), $1, $2}')
grep -q ' 429' <<<"$codes" || fail "auth rate limit" "no 429 in 30 quick requests: $codes"
ok "auth rate limit" "30 quick POST /api/auth/login: $codes"
for _ in $(seq 1 6); do curl_site -o /dev/null "$site/wp-login.php"; done
for _ in $(seq 1 2); do curl_site -o /dev/null -A 'sqlmap/1.7 (https://sqlmap.org)' "$site/"; done
curl_site -o /dev/null -A 'Mozilla/5.0' "$site/api/programs"

# --- fail2ban ----------------------------------------------------------------------------------------
say "fail2ban, logrotate, sshd, ufw"
matched() { # LOG FILTER → number of matched lines
  fail2ban-regex "$1" "$2" 2>&1 | sed -n 's/^Lines: .* \([0-9]\+\) matched.*/\1/p'
}
sleep 0.5 # nginx writes its logs unbuffered, but let the last requests finish
n=$(matched "$T/nginx/logs/error.log" "$OUT/fail2ban/filter.d/nginx-req-limit.conf")
[ "${n:-0}" -ge 1 ] || fail "fail2ban-regex req-limit" "$(fail2ban-regex "$T/nginx/logs/error.log" "$OUT/fail2ban/filter.d/nginx-req-limit.conf" 2>&1 | tail -n 20)"
ok "fail2ban-regex req-limit" "$n refusals matched in nginx's error.log"
n=$(matched "$T/nginx/logs/access.log" "$OUT/fail2ban/filter.d/nginx-noscript.conf")
expect "fail2ban-regex noscript" 6 "$n"
ok "fail2ban-regex noscript" "the 6 .php requests of $(wc -l <"$T/nginx/logs/access.log") access lines"
n=$(matched "$T/nginx/logs/access.log" "$OUT/fail2ban/filter.d/nginx-badbots.conf")
expect "fail2ban-regex badbots" 2 "$n"
ok "fail2ban-regex badbots" "the 2 sqlmap requests"
cp -a /etc/fail2ban/. "$T/fail2ban/"
cp "$OUT/fail2ban/jail.local" "$T/fail2ban/jail.local"
cp "$OUT"/fail2ban/filter.d/*.conf "$T/fail2ban/filter.d/"
rm -f "$T"/fail2ban/jail.d/*
run "fail2ban-client -t" "jail.local + filters over Debian's fail2ban config" fail2ban-client -c "$T/fail2ban" -t

# --- logrotate, sshd, ufw ------------------------------------------------------------------------------
lr=$(logrotate -d -s "$T/logrotate.state" "$OUT/logrotate/connect" 2>&1) || fail "logrotate -d" "$lr"
! grep -qi 'error' <<<"$lr" || fail "logrotate -d" "$lr"
ok "logrotate -d" "$(grep -c '^rotating pattern' <<<"$lr") log groups, no errors"

ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host_key"
{ echo "Include $OUT/ssh/sshd_config.d/connect.conf"; cat /etc/ssh/sshd_config; } >"$T/ssh/sshd_config"
[ -d /run/sshd ] || { mkdir -p /run/sshd && made_run_sshd=1; }
silent "sshd -t" "drop-in before Debian's sshd_config" /usr/sbin/sshd -t -f "$T/ssh/sshd_config" -h "$T/ssh/host_key"
effective=$(/usr/sbin/sshd -T -f "$T/ssh/sshd_config" -h "$T/ssh/host_key" -C user=connect,host=x,addr=127.0.0.1)
for want in 'passwordauthentication no' 'permitrootlogin no' 'allowusers connect' 'x11forwarding no' 'maxauthtries 3'; do
  grep -qx "$want" <<<"$effective" || fail "sshd -T" "'$want' is not in effect"
done
ok "sshd -T" "password and root logins off, AllowUsers connect, X11 off (overrides Debian's defaults)"

cat >"$T/ufw" <<EOF
#!/bin/sh
# Records each rule; rules are checked by ufw's own parser (--dry-run). reset/enable are not passed
# on: ufw --dry-run still writes files for those.
echo "\$*" >>"$T/ufw.log"
case "\$*" in "--force reset" | "--force enable") exit 0 ;; esac
exec ufw --dry-run "\$@" >/dev/null
EOF
chmod 755 "$T/ufw"
run "ufw rules" "sh -n, every rule through ufw --dry-run" sh -c "sh -n '$OUT/ufw/ufw-rules.sh' && UFW='$T/ufw' '$OUT/ufw/ufw-rules.sh'"
grep -qx 'limit 22/tcp comment SSH' "$T/ufw.log" && grep -qx "deny $PG/tcp" "$T/ufw.log" && tail -n 1 "$T/ufw.log" | grep -qx -- '--force enable' ||
  fail "ufw rules" "$(cat "$T/ufw.log")"
ok "ufw rules" "$(grep -c . "$T/ufw.log") commands: reset, deny in / allow out, SSH limited, 80 and 443, local ports denied"

# --- pgBackRest and its cron schedule --------------------------------------------------------------
say "pgBackRest"
run "pgbackrest stanza-create" "repo $T/backup/repo" backrest stanza-create
run "pgbackrest check" "archive_command pushes WAL to the repo" backrest check
mapfile -t jobs < <(grep -E '^[0-9*]' "$OUT/cron/connect-backup")
for job in "${jobs[@]}"; do
  read -r m h dom mon dow user cmd <<<"$job"
  type=$(sed -n 's/.*--type=\([a-z]*\).*/\1/p' <<<"$cmd")
  run "cron: $type backup" "'$m $h $dom $mon $dow' as $user" runuser -u "$user" -- sh -c "$cmd"
done
info=$(backrest info --output=json)
kinds=$("$PY" -c 'import json,sys; print(" ".join(b["type"] for b in json.load(sys.stdin)[0]["backup"]))' <<<"$info")
expect "pgbackrest info" "full diff" "$kinds"
ok "pgbackrest info" "backups in the repo: $kinds"

# --- systemd units -----------------------------------------------------------------------------------
say "systemd, Prometheus, Alertmanager, Grafana"
for unit in "$OUT"/systemd/*.service; do
  silent "systemd-analyze verify" "$(basename "$unit")" systemd-analyze verify --man=no "$unit"
done

# --- Prometheus, Alertmanager, Grafana -------------------------------------------------------------
run "promtool check config" "prometheus.yml and its rule file" promtool check config "$OUT/prometheus/prometheus.yml"
run "promtool check rules" "6 alerts" promtool check rules "$OUT/prometheus/rules/connect.yml"
alerts=$(grep -c '^      - alert:' "$OUT/prometheus/rules/connect.yml")
expect "alert count" 6 "$alerts"
run "promtool test rules" "$(grep -c '^      - eval_time' "$OUT/prometheus/rules/connect.test.yml") evaluations, each alert firing and not" \
  promtool test rules "$OUT/prometheus/rules/connect.test.yml"
run "promtool (production)" "check config + test rules on the real paths" sh -c \
  "promtool check config '$T/prod/prometheus/prometheus.yml' && promtool test rules '$T/prod/prometheus/rules/connect.test.yml'"
run "amtool check-config" "alertmanager.yml" amtool check-config "$OUT/alertmanager/alertmanager.yml"

# Grafana cannot be installed here: check the provisioning against the dashboard, and every panel's
# expression with promtool (as recording rules in a throw-away rule file).
grafana=$("$PY" - "$OUT" "$T/panels.yml" <<'EOF'
import json, sys, yaml
out, rules = sys.argv[1], sys.argv[2]
sources = yaml.safe_load(open(f"{out}/grafana/provisioning/datasources/connect.yaml"))
providers = yaml.safe_load(open(f"{out}/grafana/provisioning/dashboards/connect.yaml"))
uids = {d["uid"] for d in sources["datasources"]}
assert sources["apiVersion"] == 1 and providers["apiVersion"] == 1
path = providers["providers"][0]["options"]["path"]
dash = json.load(open(f"{path}/connect-overview.json"))
assert dash["uid"] == "connect-overview", dash["uid"]
rows = [p["title"] for p in dash["panels"] if p["type"] == "row"]
assert len(rows) == 5, rows
exprs = []
for p in dash["panels"]:
    if p["type"] == "row":
        continue
    assert p["datasource"]["uid"] in uids, (p["title"], p["datasource"])
    for t in p["targets"]:
        assert t["datasource"]["uid"] in uids, (p["title"], t)
        exprs.append(t["expr"])
with open(rules, "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        f.write(f"      - record: dashboard:panel_{i}\n        expr: {json.dumps(e)}\n")
print(f"{len(rows)} rows, {sum(p['type'] != 'row' for p in dash['panels'])} panels, {len(exprs)} expressions, datasource {sorted(uids)}")
EOF
) || fail "grafana provisioning" "$grafana"
ok "grafana provisioning" "$grafana"
run "grafana PromQL" "every panel expression parses (promtool check rules)" promtool check rules "$T/panels.yml"

echo
say "all $count rendered files checked in $(($(date +%s) - started)) s"
