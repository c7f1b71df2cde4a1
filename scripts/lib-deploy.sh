# Shared by scripts/check-config.sh and scripts/backup-drill.sh: one line per check, and a whole
# deployment relocated into a temporary folder $T on free loopback ports, rendered into $OUT, with a
# scratch PostgreSQL cluster started from the rendered postgresql.conf (WAL archived by the rendered
# pgBackRest configuration). Source it after lib.sh; don't run it.

ok() { printf '  \033[32mok\033[0m  %-26s %s\n' "$1" "$2"; }
fail() {
  printf '  \033[31mFAIL\033[0m %-26s\n' "$1" >&2
  printf '%s\n' "$2" | sed 's/^/       /' >&2
  exit 1
}
# run NAME DETAIL CMD…: the command must succeed.
run() {
  local name=$1 detail=$2 out
  shift 2
  out=$("$@" 2>&1) || fail "$name" "$out"
  ok "$name" "$detail"
}
# silent NAME DETAIL CMD…: the command must succeed and print nothing (systemd-analyze, sshd -t).
silent() {
  local name=$1 detail=$2 out
  shift 2
  out=$("$@" 2>&1) || fail "$name" "$out"
  [ -z "$out" ] || fail "$name" "$out"
  ok "$name" "$detail"
}
expect() { # expect NAME WANTED GOT
  [ "$2" = "$3" ] || fail "$1" "expected '$2', got '$3'"
}

# Package scripts must not start the daemons they install (nginx on :80, prometheus on :9090, …):
# the Debian way is a policy-rc.d that refuses, present only while installing.
install_tools() {
  local policy=/usr/sbin/policy-rc.d own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  apt_install "$@" || { [ -z "$own_policy" ] || rm -f "$policy"; return 1; }
  [ -z "$own_policy" ] || rm -f "$policy"
}

PY=/usr/bin/python3
pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1; }

# Sets BIN: $CONNECT_BIN, or the debug build of this tree.
connect_binary() {
  BIN=${CONNECT_BIN:-}
  if [ -z "$BIN" ]; then
    ensure_rust
    cargo build --quiet --bin connect
    BIN=$(realpath "${CARGO_TARGET_DIR:-target}/debug/connect")
  fi
  [ -x "$BIN" ] || die "$BIN is not an executable"
}

free_port() {
  local port
  while :; do
    port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    case " ${used_ports:-} " in *" $port "*) ;; *) used_ports="${used_ports:-} $port"; echo "$port"; return ;; esac
  done
}

# A deployment under $T: ports, folders, a self-signed certificate and $T/deploy.toml naming them all.
# Needs T, OUT and BIN.
relocated_deployment() {
  HTTP=$(free_port) HTTPS=$(free_port) STATUS=$(free_port) PG=$(free_port) PGB=$(free_port)
  CACHE=$(free_port) QUEUE=$(free_port)
  mkdir -p "$T"/{tls,acme/.well-known/acme-challenge,run,nginx/logs,pg,pgbouncer,redis/cache,redis/queue,redis/log} \
    "$T"/{backup/repo,backup/log,backup/lock,backup/system,ssh,fail2ban,monitoring} \
    "$T"/app/{current,shared/logs,shared/search-index,shared/uploads/tmp}
  chown postgres:postgres "$T"/pg "$T"/pgbouncer "$T"/backup/{repo,log,lock}
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=connect.test \
    -addext subjectAltName=DNS:connect.test,DNS:www.connect.test,IP:127.0.0.1 \
    -keyout "$T/tls/privkey.pem" -out "$T/tls/fullchain.pem" >/dev/null 2>&1

  cat >"$T/deploy.toml" <<EOF
domain = "connect.test"
server_aliases = ["www.connect.test"]
alert_email = "ops@connect.test"

[app]
root = "$T/app"
binary = "$BIN"
user = "root"
group = "root"
socket = "$T/run/connect.sock"
env_file = "$OUT/connect/connect.env"

[nginx]
user = "root"
sites_include = "$OUT/nginx/sites/*.conf"
pid = "$T/nginx/nginx.pid"
log_dir = "$T/nginx/logs"
listen = "127.0.0.1"
ipv6 = false
http_port = $HTTP
https_port = $HTTPS
status_port = $STATUS
acme_root = "$T/acme"
tls_certificate = "$T/tls/fullchain.pem"
tls_certificate_key = "$T/tls/privkey.pem"

[postgres]
data_dir = "$T/pg/data"
conf_dir = "$T/pg/data"
pid_file = "$T/pg/external.pid"
listen_addresses = "127.0.0.1"
port = $PG
socket_dir = "$T/pg"

[pgbouncer]
port = $PGB
conf_dir = "$OUT/pgbouncer"
socket_dir = "$T/pgbouncer"
log_file = "$T/pgbouncer/pgbouncer.log"
pid_file = "$T/pgbouncer/pgbouncer.pid"

[redis]
conf_dir = "$OUT/redis"

[redis.cache]
port = $CACHE
dir = "$T/redis/cache"
log_file = "$T/redis/log/redis-cache.log"
pid_file = "$T/redis/cache.pid"

[redis.queue]
port = $QUEUE
dir = "$T/redis/queue"
log_file = "$T/redis/log/redis-queue.log"
pid_file = "$T/redis/queue.pid"

[monitoring]
grafana_dashboards_dir = "$OUT/grafana/dashboards"

[backup]
repo_path = "$T/backup/repo"
config_file = "$OUT/pgbackrest/pgbackrest.conf"
log_dir = "$T/backup/log"
lock_dir = "$T/backup/lock"
system_dir = "$T/backup/system"
monitoring_dirs = ["$OUT/prometheus", "$OUT/alertmanager"]
EOF
}

# secret NAME: a value of the rendered deployment's secrets file.
secret() { sed -n "s/^$1 = \"\(.*\)\"\$/\1/p" "$T/secrets.toml"; }

# The scratch cluster of the relocated deployment: initdb, the rendered postgresql.conf installed where
# the settings say (conf_dir = the data directory), started, and the app's role and database created.
start_scratch_postgres() {
  local pgbin
  pgbin=$(pg_bin)
  run "initdb" "scratch cluster" runuser -u postgres -- "$pgbin/initdb" -D "$T/pg/data" -U postgres \
    --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8
  install -o postgres -g postgres -m 0644 "$OUT/postgresql/postgresql.conf" "$T/pg/data/postgresql.conf"
  run "postgres start" "with the rendered postgresql.conf on :$PG" runuser -u postgres -- "$pgbin/pg_ctl" \
    -D "$T/pg/data" -l "$T/pg/server.log" -w -t 60 start
  pg "create role connect login password '$(secret database_password)'" >/dev/null
  pg "create database connect owner connect" >/dev/null
}
stop_scratch_postgres() {
  [ -f "$T/pg/data/postmaster.pid" ] &&
    runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$T/pg/data" -m immediate stop >/dev/null 2>&1
  return 0
}
pg() { runuser -u postgres -- psql -X -q -h "$T/pg" -p "$PG" -U postgres -v ON_ERROR_STOP=1 -Atc "$1" "${2:-postgres}"; }
backrest() { runuser -u postgres -- pgbackrest --config="$OUT/pgbackrest/pgbackrest.conf" --stanza=connect "$@"; }
