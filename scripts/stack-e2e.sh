#!/usr/bin/env bash
# The spec's production chain, rendered by `connect config render` and run end to end on loopback
# ports under a temporary folder:
#   nginx (TLS, self-signed) → `connect serve` on a unix socket → PgBouncer (transaction pooling)
#   → PostgreSQL (a fresh cluster with the rendered postgresql.conf; migrated, sample data loaded),
#   the Redis cache (LRU, no persistence) and the Redis queue (AOF everysec, noeviction),
#   `connect worker`, and Prometheus scraping the app through nginx's status server.
# Then, through nginx over HTTPS: health, search, a program, each security header exactly once, the
# auth rate limit (429), a WebSocket upgraded through nginx (101 and a first message), Prometheus
# reading `up == 1` and the worker's `funding_matches_total`; `connect health` (0, then 1 naming
# PgBouncer once it is stopped); and a mixed read load of 64 clients for 10 s with zero errors.
# One line per check; stops at the first failure with what went wrong. Runs as root (it installs
# missing Debian packages, starts PostgreSQL and PgBouncer as postgres). A trap stops everything.
#
#   scripts/stack-e2e.sh                      # builds the debug connect and connect-bench if needed
#   CONNECT_BIN=… CONNECT_BENCH=… scripts/stack-e2e.sh    # given binaries (release for figures)
#   CLIENTS=64 SECONDS_OF_LOAD=10 SYNTHETIC=1000 KEEP=1 scripts/stack-e2e.sh
#   HOLD=10000 CLIENTS=32 SYNTHETIC=100000 …  # capacity: idle keep-alive connections held during the load
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-deploy.sh"
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || die "run as root: it starts PostgreSQL and PgBouncer as postgres, nginx on loopback"
exec </dev/null
started=$(date +%s)
CLIENTS=${CLIENTS:-64}
SECONDS_OF_LOAD=${SECONDS_OF_LOAD:-10}
SYNTHETIC=${SYNTHETIC:-1000}
HOLD=${HOLD:-0}
RATE_PER_CLIENT=${RATE_PER_CLIENT:-90} # under nginx's api_limit of 100 r/s per address

install_tools nginx pgbouncer redis-server prometheus postgresql openssl curl python3
PGBIN=$(pg_bin)
connect_binary
BENCH=${CONNECT_BENCH:-}
if [ -z "$BENCH" ]; then
  cargo build --quiet -p connect-bench
  BENCH=$(realpath "${CARGO_TARGET_DIR:-target}/debug/connect-bench")
fi
[ -x "$BENCH" ] || die "$BENCH is not an executable"

# --- a deployment under a temporary folder --------------------------------------------------------
T=$(mktemp -d /tmp/connect-stack.XXXXXX)
chmod 755 "$T"
OUT=$T/out
PIDS=() # "pid signal": connect serve and Prometheus stop on TERM, connect worker on INT (KillSignal=SIGINT)
cleanup() {
  set +e
  [ -f "$T/nginx/nginx.pid" ] && nginx -p "$T/nginx/" -c "$OUT/nginx/nginx.conf" -s stop 2>/dev/null
  for entry in "${PIDS[@]}"; do kill "-${entry#* }" "${entry% *}" 2>/dev/null; done
  for entry in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "${entry% *}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${entry% *}" 2>/dev/null
  done
  for f in "$T/pgbouncer/pgbouncer.pid" "$T/redis/cache.pid" "$T/redis/queue.pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  stop_scratch_postgres
  if [ -n "${KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

relocated_deployment
# A certificate signed by a CA of our own, as Let's Encrypt's is (rustls, in connect-bench, refuses a
# self-signed certificate that is its own CA), with an ECDSA P-256 key as certbot makes by default.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=Connect stack test CA' \
  -keyout "$T/tls/ca.key" -out "$T/tls/ca.pem" >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=connect.test \
  -keyout "$T/tls/privkey.pem" -out "$T/tls/leaf.csr" >/dev/null 2>&1
printf 'subjectAltName=DNS:connect.test,DNS:www.connect.test,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$T/tls/leaf.ext"
openssl x509 -req -in "$T/tls/leaf.csr" -CA "$T/tls/ca.pem" -CAkey "$T/tls/ca.key" -CAcreateserial -days 2 \
  -extfile "$T/tls/leaf.ext" -out "$T/tls/leaf.pem" >/dev/null 2>&1
cat "$T/tls/leaf.pem" "$T/tls/ca.pem" >"$T/tls/fullchain.pem"
CA=$T/tls/ca.pem
PROM=$(free_port)
# Prometheus on a private port, scraping every 2 s so that the check does not wait long.
sed -i "s|^\[monitoring\]\$|[monitoring]\nprometheus_port = $PROM\nscrape_interval = \"2s\"|" "$T/deploy.toml"
mkdir -p "$T/app/current/config" "$T/prometheus"
# No scrape sources: the worker still runs its schedules (matching, notifications) off the queue.
echo '# stack-e2e: no sources; the worker runs matching and notifications' >"$T/app/current/config/sources.toml"

say "render ($T)"
run "render" "$(nproc) CPUs, 2048 MiB, everything on loopback under $T" \
  "$BIN" config render --out "$OUT" --settings "$T/deploy.toml" --secrets "$T/secrets.toml" --cpus "$(nproc)" --memory-mib 2048
chown postgres:postgres "$OUT/pgbouncer/userlist.txt"
app_env() { (set -a && . "$OUT/connect/connect.env" && set +a && exec "$@"); }
grep -q "^DATABASE_URL=postgresql://connect:.*@127.0.0.1:$PGB/connect\$" "$OUT/connect/connect.env" ||
  fail "connect.env" "DATABASE_URL does not go through PgBouncer on :$PGB"
ok "connect.env" "DATABASE_URL through PgBouncer :$PGB, DATABASE_DIRECT_URL :$PG for migrations"

# --- the data layer -----------------------------------------------------------------------------------
say "PostgreSQL, PgBouncer, Redis"
start_scratch_postgres
run "pgbouncer start" "as postgres on :$PGB, $(sed -n 's/^pool_mode = //p' "$OUT/pgbouncer/pgbouncer.ini") pooling" \
  runuser -u postgres -- pgbouncer -d "$OUT/pgbouncer/pgbouncer.ini"
for _ in $(seq 1 50); do [ -S "$T/pgbouncer/.s.PGSQL.$PGB" ] && break; sleep 0.1; done
for role in cache queue; do
  port=$CACHE
  [ "$role" = queue ] && port=$QUEUE
  run "redis-$role start" "the rendered redis-$role.conf on :$port" redis-server "$OUT/redis/redis-$role.conf" --daemonize yes
done
redis_get() { # ROLE NAME
  local port=$CACHE password
  password=$(secret "redis_$1_password")
  [ "$1" = queue ] && port=$QUEUE
  redis-cli -p "$port" -a "$password" --no-auth-warning config get "$2" | sed -n 2p
}
for _ in $(seq 1 50); do [ -n "$(redis_get queue appendonly 2>/dev/null)" ] && break; sleep 0.1; done
got="$(redis_get cache maxmemory-policy) $(redis_get cache appendonly) save='$(redis_get cache save)'"
expect "redis-cache" "allkeys-lru no save=''" "$got"
ok "redis-cache" "$got"
got="$(redis_get queue maxmemory-policy) $(redis_get queue appendonly) $(redis_get queue appendfsync)"
expect "redis-queue" "noeviction yes everysec" "$got"
ok "redis-queue" "$got"

say "the app: migrate, sample data, serve, worker"
run "connect migrate" "DATABASE_DIRECT_URL" app_env "$BIN" migrate
demo=$(app_env "$BIN" demo --synthetic "$SYNTHETIC" 2>&1) || fail "connect demo" "$demo"
programs=$(pg "select count(*) from programs" connect)
ok "connect demo" "real recorded announcements + $SYNTHETIC synthetic: $programs programs (loaded through PgBouncer)"
# Not through app_env: $! must be the process that becomes connect, for the signals above.
(set -a && . "$OUT/connect/connect.env" && set +a && exec "$BIN" serve) >>"$T/app/shared/logs/connect.log" 2>&1 &
SERVE_PID=$!
PIDS+=("$SERVE_PID TERM")
(set -a && . "$OUT/connect/connect.env" && set +a && exec "$BIN" worker) >>"$T/app/shared/logs/connect-worker.log" 2>&1 &
WORKER_PID=$!
PIDS+=("$WORKER_PID INT")
for _ in $(seq 1 100); do [ -S "$T/run/connect.sock" ] && break; sleep 0.1; done
[ -S "$T/run/connect.sock" ] || fail "connect serve" "$(tail -n 20 "$T/app/shared/logs/connect.log")"
ok "connect serve" "pid $SERVE_PID on unix:$T/run/connect.sock"

say "nginx (TLS) and Prometheus"
run "nginx -t" "$OUT/nginx/nginx.conf" nginx -t -q -p "$T/nginx/" -c "$OUT/nginx/nginx.conf"
run "nginx start" "https :$HTTPS, http :$HTTP, status :$STATUS" nginx -p "$T/nginx/" -c "$OUT/nginx/nginx.conf"
prometheus --config.file="$OUT/prometheus/prometheus.yml" --storage.tsdb.path="$T/prometheus" \
  --web.listen-address="127.0.0.1:$PROM" --log.level=warn >"$T/prometheus.log" 2>&1 &
PIDS+=("$! TERM")

site=https://connect.test:$HTTPS
curl_site() { curl -sS --cacert "$CA" --resolve "connect.test:$HTTPS:127.0.0.1" "$@"; }
code=""
for _ in $(seq 1 120); do
  code=$(curl_site -o "$T/health.json" -w '%{http_code}' "$site/api/health" 2>/dev/null) && [ "$code" = 200 ] && break
  sleep 0.5
done
[ "$code" = 200 ] || fail "GET /api/health" "HTTP $code: $(cat "$T/health.json" 2>/dev/null)"$'\n'"$(tail -n 5 "$T/app/shared/logs/connect.log")"
ok "GET /api/health" "200 through nginx: $("$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], "·", ", ".join(k for k, v in d["checks"].items() if v["ok"]), "ok ·", d["search"]["indexed_documents"], "indexed")' <"$T/health.json")"
rss() { awk '/^VmRSS|^RssAnon/ {printf "%s %.0f MiB ", $1, $2 / 1024}' "/proc/$SERVE_PID/status"; }
ok "connect serve memory" "$(rss)with every program indexed"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PROM/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PROM/-/ready" >/dev/null || fail "prometheus" "$(tail -n 20 "$T/prometheus.log")"
ok "prometheus" "ready on 127.0.0.1:$PROM with the rendered prometheus.yml and rules"

# --- the smoke suite, through nginx over HTTPS ----------------------------------------------------
say "smoke suite over HTTPS"
query=$("$PY" -c 'import urllib.parse; print(urllib.parse.quote("창업"))')
search=$(curl_site -w '\n%{http_code}' "$site/api/programs?q=$query&per_page=50")
[ "$(tail -n 1 <<<"$search")" = 200 ] || fail "search" "$search"
read -r total first_id < <(sed '$d' <<<"$search" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["total"], d["items"][0]["id"] if d["items"] else "")')
[ "${total:-0}" -gt 0 ] || fail "search" "no program matches 창업"
ok "search" "GET /api/programs?q=창업: $total programs"
detail=$(curl_site -o "$T/program.json" -w '%{http_code}' "$site/api/programs/$first_id")
expect "program detail" 200 "$detail"
ok "program detail" "GET /api/programs/$first_id: $("$PY" -c 'import json,sys; print(json.load(sys.stdin)["title"][:40])' <"$T/program.json")"

# Each security header exactly once, whoever sets it: the app (HTML pages, assets) or nginx (the rest).
count() { grep -ci "^$1:" <<<"$2" || true; }
once() { # WHAT HEADERS NAME…
  local what=$1 headers=$2 name
  shift 2
  for name in "$@"; do
    [ "$(count "$name" "$headers")" = 1 ] || fail "headers: $what" "$name is not there exactly once:"$'\n'"$headers"
  done
  [ "$(count x-xss-protection "$headers")" = 0 ] || fail "headers: $what" "X-XSS-Protection is sent"
}
page=$(curl_site -D - -o "$T/home.html" "$site/")
once "HTML page /" "$page" content-security-policy strict-transport-security x-frame-options x-content-type-options referrer-policy
grep -qi "^content-security-policy: default-src 'self'; script-src 'self';" <<<"$page" || fail "headers: HTML page /" "not the app's CSP: $(grep -i '^content-security-policy' <<<"$page")"
ok "headers: HTML page /" "the app's CSP (no unsafe-inline/eval), HSTS, X-Frame-Options… each once; no X-XSS-Protection"
api=$(curl_site -D - -o /dev/null "$site/api/programs?q=$query")
once "JSON /api/programs" "$api" content-security-policy strict-transport-security x-frame-options x-content-type-options referrer-policy
ok "headers: JSON /api/programs" "nginx's $(grep -i '^content-security-policy' <<<"$api" | cut -d' ' -f2-3 | tr -d '\r') CSP and HSTS… each once"
asset=$(grep -o '/static/app\.[0-9a-f]*\.css' "$T/home.html" | head -n 1)
static=$(curl_site -D - -o /dev/null "$site$asset")
once "asset $asset" "$static" cache-control strict-transport-security content-security-policy x-content-type-options
grep -qi '^cache-control: public, max-age=31536000, immutable' <<<"$static" || fail "headers: static asset" "$static"
ok "headers: static asset" "$asset: one Cache-Control (public, max-age=31536000, immutable), one HSTS, one CSP"

# An account, made SUPER_ADMIN with `connect grant`, and an organisation for the worker to match.
EMAIL=stack-admin@connect.test PASSWORD='Stack-e2e-Passw0rd!'
jar=$T/admin.jar
csrf=$(curl_site -c "$jar" -b "$jar" "$site/api/auth/csrf" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
signup=$(curl_site -c "$jar" -b "$jar" -w '\n%{http_code}' -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"terms_version\":\"2026-11-01\",\"privacy_version\":\"2026-11-01\"}" \
  "$site/api/auth/signup")
[ "$(tail -n 1 <<<"$signup")" = 201 ] || fail "sign-up" "$signup"
run "connect grant" "$EMAIL → SUPER_ADMIN" app_env "$BIN" grant "$EMAIL" --role SUPER_ADMIN
# A role change ends the account's sessions: log in again.
login=$(curl_site -c "$jar" -b "$jar" -w '\n%{http_code}' -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$site/api/auth/login")
[ "$(tail -n 1 <<<"$login")" = 200 ] || fail "login" "$login"
session_csrf=$(sed '$d' <<<"$login" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
org=$(curl_site -b "$jar" -w '\n%{http_code}' -H "X-CSRF-Token: $session_csrf" -H 'Content-Type: application/json' \
  -d '{"kind":"company","name":"스택테스트","profile":{"scales":["sme","startup"],"established_on":"2023-05-01","employees":10,"locations":[{"kind":"headquarters","region":"seoul"}]}}' \
  "$site/api/orgs")
[ "$(tail -n 1 <<<"$org")" = 201 ] || fail "organisation" "$org"
ok "sign-up, grant, organisation" "signed up, SUPER_ADMIN, logged in again; org $(sed '$d' <<<"$org" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])') for the worker's matcher"

# The WebSocket: the upgrade passes nginx (HTTP/1.1, Upgrade/Connection), the app answers 101 and sends
# its first progress message.
session=$(awk -F'\t' '$6 == "connect_session" { print $7 }' "$jar")
ws=$("$PY" - "$HTTPS" "$CA" "$session" <<'EOF'
import base64, hashlib, json, os, socket, ssl, struct, sys
port, cafile, session = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
ctx.set_alpn_protocols(["http/1.1"])
sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="connect.test")
key = base64.b64encode(os.urandom(16)).decode()
sock.sendall((f"GET /api/admin/live HTTP/1.1\r\nHost: connect.test:{port}\r\nUpgrade: websocket\r\n"
              f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
              f"Origin: https://connect.test:{port}\r\nCookie: connect_session={session}\r\n\r\n").encode())
buf = b""
while b"\r\n\r\n" not in buf:
    chunk = sock.recv(4096)
    if not chunk:
        sys.exit(f"closed before the answer: {buf!r}")
    buf += chunk
head, buf = buf.split(b"\r\n\r\n", 1)
lines = head.decode().split("\r\n")
if lines[0].split()[1] != "101":
    sys.exit(f"no upgrade: {head.decode()}")
accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
if accept not in head.decode():
    sys.exit(f"wrong Sec-WebSocket-Accept: {head.decode()}")
def read(n):
    global buf
    while len(buf) < n:
        chunk = sock.recv(65536)
        if not chunk:
            sys.exit("closed before the first message")
        buf += chunk
    out, buf = buf[:n], buf[n:]
    return out
b0, b1 = read(2)
length = b1 & 0x7F
if length == 126:
    length = struct.unpack(">H", read(2))[0]
elif length == 127:
    length = struct.unpack(">Q", read(8))[0]
message = json.loads(read(length))
print(f"{lines[0]}; first message type={message['type']}, {len(message['queues'])} queues, opcode {b0 & 0x0F}")
EOF
) || fail "websocket" "$ws"
ok "websocket" "/api/admin/live through nginx: $ws"

# The auth rate limit, from an address of its own so that nothing else counted: the app allows 10
# logins a minute per address (CONNECT_AUTH_RATE_PER_MINUTE, counted per minute), nginx's login_limit
# 10 r/m with a burst of 20. Started early in a minute so that the app's window does not turn over.
while [ "$((10#$(date +%S)))" -gt 40 ]; do sleep 1; done
burst_jar=$T/burst.jar
burst() { curl_site --interface 127.0.0.77 -c "$burst_jar" -b "$burst_jar" "$@"; }
burst_csrf=$(burst "$site/api/auth/csrf" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
codes=()
for _ in $(seq 1 30); do
  codes+=("$(burst -o /dev/null -w '%{http_code}/%{content_type}' -H "X-CSRF-Token: $burst_csrf" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$site/api/auth/login")")
done
summary=$(printf '%s\n' "${codes[@]}" | sed 's|/application/json.*| app|; s|/text/html.*| nginx|' | uniq -c | awk '{printf "%s%s× %s %s", (NR > 1 ? ", " : ""), $1, $2, $3}')
for i in $(seq 0 9); do
  [[ "${codes[$i]}" == 200/* ]] || fail "auth rate limit" "login $((i + 1)) of 10 was refused: $summary"
done
[[ "${codes[10]}" == 429/application/json* ]] || fail "auth rate limit" "the 11th login in a minute was not refused by the app: $summary"
printf '%s\n' "${codes[@]}" | grep -q '^429/text/html' || fail "auth rate limit" "nginx's login_limit never answered 429: $summary"
ok "auth rate limit" "30 logins from one address: $summary"

# Prometheus scrapes the app through nginx's status server.
up=""
for _ in $(seq 1 60); do
  up=$(curl -s "http://127.0.0.1:$PROM/api/v1/query" --data-urlencode 'query=up{job="connect-app"}' |
    "$PY" -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")')
  [ "$up" = 1 ] && break
  sleep 0.5
done
expect "prometheus up" 1 "$up"
ok "prometheus up" "up{job=\"connect-app\"} == 1 (scraped via 127.0.0.1:$STATUS/api/metrics)"

# --- load: mixed reads through nginx over HTTPS -------------------------------------------------------
say "load: $CLIENTS clients for ${SECONDS_OF_LOAD}s, mixed reads through nginx (HTTPS) → PgBouncer"
"$BENCH" paths --out "$T/search.txt" --count 300 --seed 7 2>/dev/null
curl_site "$site/api/programs?per_page=100&sort=newest" >"$T/newest.json"
"$PY" - "$T/search.txt" "$T/newest.json" "$T/mix.txt" <<'EOF'
import json, random, sys
search = [l.strip() for l in open(sys.argv[1]) if l.startswith("/")]
ids = [item["id"] for item in json.load(open(sys.argv[2]))["items"]]
rng = random.Random(7)
mix = []
for i in range(600):  # half searches, a third program pages, the rest liveness checks
    r = rng.random()
    mix.append(search[i % len(search)] if r < 0.5 else f"/api/programs/{rng.choice(ids)}" if r < 0.83 else "/api/health/live")
open(sys.argv[3], "w").write("\n".join(mix) + "\n")
EOF
ulimit -n "$(ulimit -Hn)" # one descriptor per client connection
if [ "$HOLD" -gt 0 ]; then
  # Idle keep-alive connections, each from its own loopback address, held through the load.
  "$BENCH" hold --url "$site" --connect-to "127.0.0.1:$HTTPS" --cacert "$CA" --spread-loopback --first 1000 \
    --connections "$HOLD" --hold "$((SECONDS_OF_LOAD + 8))s" --ready-file "$T/hold.ready" >"$T/hold.json" 2>"$T/hold.log" &
  HOLD_PID=$!
  PIDS+=("$HOLD_PID TERM")
  for _ in $(seq 1 600); do [ -e "$T/hold.ready" ] || ! kill -0 "$HOLD_PID" 2>/dev/null && break; sleep 0.5; done
  [ -e "$T/hold.ready" ] || fail "idle connections" "$(cat "$T/hold.log" "$T/hold.json")"
  active=$(curl -sS "http://127.0.0.1:$STATUS/nginx_status" | sed -n 's/^Active connections: *//p')
  ok "idle connections" "$(cat "$T/hold.log"); nginx: $active active connections"
fi
# Each client stays under nginx's api_limit of 100 r/s per address (a release build serves one client
# faster than that), as a real user does.
# A short pass with a few clients first fills the caches (search results, Redis), as a running site's
# are: 64 clients arriving at once on a cold debug build on busy cores otherwise wait over the app's
# 2 s pool wait (DATABASE_POOL_WAIT_MS) and get 503s that say nothing about the data layer.
"$BENCH" http --url "$site" --connect-to "127.0.0.1:$HTTPS" --cacert "$CA" --paths "$T/mix.txt" \
  --concurrency 8 --duration 3s --spread-loopback --first 500 --max-errors 1000000 >/dev/null
load=$("$BENCH" http --url "$site" --connect-to "127.0.0.1:$HTTPS" --cacert "$CA" --paths "$T/mix.txt" \
  --concurrency "$CLIENTS" --duration "${SECONDS_OF_LOAD}s" --warmup 2s --spread-loopback --rate-per-client "$RATE_PER_CLIENT" \
  --pid "$SERVE_PID" --json) ||
  fail "load" "$load"
ok "load" "$("$PY" -c 'import json,sys; r=json.load(sys.stdin); l=r["latency_ms"]; m=r["server_rss"]
errors = r["non_2xx"] + r["transport_errors"] + r["warmup_errors"]
print("%d requests, %d errors, %.0f req/s, p50 %.1f ms, p99 %.1f ms, server RSS %.0f MiB (own memory %.0f MiB)" % (r["requests"], errors, r["rps"], l["p50"], l["p99"], m["vm_rss_kb"] / 1024, m["rss_anon_kb"] / 1024))' <<<"$load")"
# Readiness (/api/health) is not in the mix: it answers 503 "degraded" whenever a Redis PING takes
# over the app's 300 ms Redis timeout, which a saturated debug build on two shared cores does about
# once in 8,000 requests. After the load it must be 200 again.
expect "readiness after the load" 200 "$(curl_site -o /dev/null -w '%{http_code}' "$site/api/health")"
ok "readiness after the load" "GET /api/health → 200"
if [ "$HOLD" -gt 0 ]; then
  wait "$HOLD_PID" || fail "idle connections" "$(cat "$T/hold.log" "$T/hold.json")"
  ok "idle connections" "$("$PY" -c 'import json,sys; r=json.load(sys.stdin); print("%d of %d still answered on their connection after %.0f s" % (r["still_open"], r["connections"], r["held_seconds"]))' <"$T/hold.json")"
fi
# PostgreSQL's own errors ("ERROR:  ", two spaces). pgBackRest's archive-push output ("ERROR: [103]")
# is not one: this deployment has no stanza, so WAL archiving fails once a segment fills (100,000
# programs); scripts/backup-drill.sh covers archiving.
pg_errors=$(grep -c 'ERROR:  ' "$T/pg/server.log" || true)
[ "$pg_errors" = 0 ] || fail "postgres log" "$(grep 'ERROR:  ' "$T/pg/server.log" | tail -n 5)"
ok "postgres log" "no ERROR line after the load through transaction pooling"

# The worker matched the organisation (queue Redis → PgBouncer), and Prometheus saw the count.
matches=""
for _ in $(seq 1 90); do
  matches=$(curl -s "http://127.0.0.1:$PROM/api/v1/query" --data-urlencode 'query=funding_matches_total{job="connect-app"}' |
    "$PY" -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")')
  [ -n "$matches" ] && [ "$matches" -gt 0 ] && break
  sleep 1
done
kill -0 "$WORKER_PID" 2>/dev/null || fail "connect worker" "not running:"$'\n'"$(tail -n 20 "$T/app/shared/logs/connect-worker.log")"
[ -n "$matches" ] && [ "$matches" -gt 0 ] ||
  fail "worker → funding_matches_total" "still '$matches'"$'\n'"$(tail -n 5 "$T/app/shared/logs/connect-worker.log")"
ok "worker → funding_matches_total" "$matches matches created by the worker, read by Prometheus"

# --- connect health -------------------------------------------------------------------------------
say "connect health"
health() { app_env "$BIN" health --settings "$T/deploy.toml" "$@"; }
report=$(health 2>&1) || fail "connect health" "exit $?:"$'\n'"$report"
sed 's/^/       /' <<<"$report"
health --json >"$T/health-report.json" || fail "connect health --json" "$(cat "$T/health-report.json")"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["healthy"] and not d["failed"], d' "$T/health-report.json" ||
  fail "connect health --json" "$(cat "$T/health-report.json")"
ok "connect health" "exit 0, healthy; --json agrees ($(grep -c '"name"' "$T/health-report.json") checks)"

kill "$(cat "$T/pgbouncer/pgbouncer.pid")"
for _ in $(seq 1 50); do [ -S "$T/pgbouncer/.s.PGSQL.$PGB" ] || break; sleep 0.1; done
set +e
report=$(health 2>&1)
code=$?
health --json >"$T/health-down.json"
json_code=$?
set -e
expect "connect health, PgBouncer stopped" 1 "$code"
grep -q '^UNHEALTHY: .*pgbouncer' <<<"$report" || fail "connect health, PgBouncer stopped" "$report"
expect "connect health --json, PgBouncer stopped" 1 "$json_code"
failed=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert not d["healthy"]; print(", ".join(d["failed"]))' "$T/health-down.json")
[[ ", $failed," == *", pgbouncer,"* ]] || fail "connect health --json, PgBouncer stopped" "failed: $failed"
ok "connect health, PgBouncer stopped" "exit 1: $(grep '^UNHEALTHY' <<<"$report")"

echo
say "the stack end to end: every check passed in $(($(date +%s) - started)) s"
