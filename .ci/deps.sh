#!/bin/sh
# Installs the Debian packages cauris needs that are missing. Run as root (CI,
# fresh machines) or with sudo available. --quiet prints nothing when all are
# present.
set -e
PKGS="build-essential pkg-config liblmdb-dev lmdb-utils libsodium-dev libevent-dev \
libprotobuf-c-dev protobuf-c-compiler libcmocka-dev libjansson-dev libssl-dev clang \
libclang-rt-14-dev protobuf-compiler libcsv-dev libcairo2-dev libpango1.0-dev libqrencode-dev \
gettext fonts-dejavu-core poppler-utils hledger zbar-tools libpq-dev"
# libpq-dev: the benchmarks' PostgreSQL peer (bench/pg.h) links libpq; the
# server itself (postgresql-15) is not needed: the benchmarks say when it is
# missing and skip the peer.
# The interop test (tests/interop) runs the Node.js Connect client: Node.js
# >= 18.14.1 with npm. Debian's nodejs and npm are installed only where there
# is none: a NodeSource nodejs bundles npm and conflicts with Debian's npm.
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing="$missing $p"
done
if [ -z "$missing" ]; then
  [ "$1" = "--quiet" ] || echo "deps: all installed"
  exit 0
fi
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq $missing
