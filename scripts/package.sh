#!/usr/bin/env bash
# Writes a release artifact for `connect deploy`: a .tar.gz holding
#   connect               the binary; page templates, static assets and migrations are compiled into it
#   migrations/           the SQL it applies, for review (`connect migrate` uses its built-in copy)
#   config/sources.toml   what the worker scrapes (CONNECT_SOURCES = APP_ROOT/current/config/sources.toml)
#   VERSION               the version label, e.g. 0.1.0+g1a2b3c4d5e6f
#   MANIFEST              version=, commit=, dirty=, built= (UTC), builder=, rustc=
#   SHA256SUMS            every file above; `connect deploy` checks them after unpacking
# Nothing else is read from the release folder at run time: the environment file, uploads, logs and
# the search index live outside it (shared/, releases/NAME/var).
#
#   scripts/package.sh OUT.tar.gz                          # cargo build --release --bin connect
#   CONNECT_BIN=path/to/connect scripts/package.sh OUT     # package a given binary instead
#   CONNECT_VERSION=label scripts/package.sh OUT           # another version label
source "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] && [ "$1" != "-h" ] && [ "$1" != "--help" ] || {
  sed -n '2,16s/^# \{0,1\}//p' "$0"
  exit 2
}
out=$1
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
[ -z "${CONNECT_BIN:-}" ] || CONNECT_BIN=$(realpath "$CONNECT_BIN")
cd "$(dirname "$0")/.."

bin=${CONNECT_BIN:-}
if [ -z "$bin" ]; then
  ensure_rust
  say "cargo build --release --bin connect"
  cargo build --release --locked --quiet --bin connect
  bin=${CARGO_TARGET_DIR:-target}/release/connect
fi
[ -x "$bin" ] || die "$bin is not an executable"

commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
dirty=no
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || dirty=yes
crate_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
version=${CONNECT_VERSION:-$crate_version+g${commit:0:12}$([ "$dirty" = no ] || echo .dirty)}

stage=$(mktemp -d /tmp/connect-package.XXXXXX)
trap 'rm -rf "$stage"' EXIT
say "staging $version"
install -m 0755 "$bin" "$stage/connect"
mkdir -p "$stage/config" "$stage/migrations"
install -m 0644 config/sources.toml "$stage/config/sources.toml"
install -m 0644 migrations/*.sql "$stage/migrations/"
echo "$version" >"$stage/VERSION"
cat >"$stage/MANIFEST" <<MANIFEST
version=$version
commit=$commit
dirty=$dirty
built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
builder=$(hostname)
rustc=$(rustc --version 2>/dev/null || echo unknown)
binary=$(basename "$bin") $(stat -c %s "$bin") bytes
MANIFEST
(cd "$stage" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)

say "writing $out"
mkdir -p "$(dirname "$out")"
tar -C "$stage" --owner=0 --group=0 --numeric-owner --sort=name -czf "$out.tmp" .
mv "$out.tmp" "$out"
echo "$out: $version, commit ${commit:0:12}, $(du -h "$out" | cut -f1), $(grep -c . "$stage/SHA256SUMS") files, sha256 $(sha256sum "$out" | cut -c1-16)…"
