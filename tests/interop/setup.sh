#!/bin/sh
# Prepares the interop client: installs the pinned npm packages from
# package-lock.json and generates JavaScript for proto/cauris/v1/ledger.proto
# with protoc (Debian's protobuf-compiler) and protoc-gen-es from node_modules,
# into gen/ beside this file (not committed).
#
# Idempotent: `npm ci` runs only when node_modules is missing or older than
# the lockfile; code is generated only when it is missing or older than the
# proto or the installed packages. Safe to run from two test runs at once
# (a lock on package.json, when flock(1) is there).
#
# Needs Node.js >= 18.14.1, npm and protoc (Debian: apt-get install nodejs npm
# protobuf-compiler). Exits non-zero with a message on stderr on any failure.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
proto_root=$(cd "$here/../../proto" 2>/dev/null && pwd) || proto_root="$here/../../proto"
proto="$proto_root/cauris/v1/ledger.proto"
stamp="$here/node_modules/.cauris-installed"
gen="$here/gen"
gen_out="$gen/cauris/v1/ledger_pb.js"

# True when file $1 is newer than file $2 (POSIX find; test -nt is not POSIX).
newer() {
  [ -n "$(find "$1" -prune -newer "$2" 2>/dev/null)" ]
}

die() {
  echo "interop setup: $*" >&2
  exit 1
}

command -v node >/dev/null 2>&1 \
  || die "node not found: install Node.js >= 18.14.1 (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 \
  || die "npm not found (Debian: apt-get install npm)"
command -v protoc >/dev/null 2>&1 \
  || die "protoc not found (Debian: apt-get install protobuf-compiler)"
node -e '
  const [a, b, c] = process.versions.node.split(".").map(Number);
  process.exit(a > 18 || (a === 18 && (b > 14 || (b === 14 && c >= 1))) ? 0 : 1);
' || die "node $(node --version) is too old: the Connect packages need >= 18.14.1"
[ -f "$proto" ] || die "$proto not found"

# One setup at a time (make test and make test-asan may run together): the
# lock is taken on package.json, which nothing here writes.
if command -v flock >/dev/null 2>&1 && [ -z "${CAURIS_INTEROP_LOCKED:-}" ]; then
  CAURIS_INTEROP_LOCKED=1 exec flock "$here/package.json" sh "$here/setup.sh" "$@"
fi

cd "$here"

# 1. Packages, exactly as the lockfile has them. No install script is needed.
if [ ! -f "$stamp" ] || newer package-lock.json "$stamp" || newer package.json "$stamp"; then
  echo "interop setup: npm ci in $here" >&2
  rm -f "$stamp"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --no-progress >&2 \
    || die "npm ci failed in $here (it needs the npm registry, or the packages in ~/.npm)"
  touch "$stamp"
fi
plugin="$here/node_modules/.bin/protoc-gen-es"
[ -x "$plugin" ] || die "$plugin missing after npm ci; remove $here/node_modules and retry"

# 2. Generated code, written aside and moved in whole.
if [ ! -f "$gen_out" ] || newer "$proto" "$gen_out" || newer "$stamp" "$gen_out"; then
  echo "interop setup: generating $gen from $proto" >&2
  tmp="$here/gen.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! protoc -I "$proto_root" --plugin=protoc-gen-es="$plugin" --es_out="$tmp" \
    --es_opt=target=js+dts,import_extension=js "$proto"; then
    rm -rf "$tmp"
    die "code generation failed (protoc with protoc-gen-es)"
  fi
  if [ ! -f "$tmp/cauris/v1/ledger_pb.js" ]; then
    rm -rf "$tmp"
    die "code generation wrote no cauris/v1/ledger_pb.js"
  fi
  rm -rf "$gen"
  mv "$tmp" "$gen"
fi
exit 0
