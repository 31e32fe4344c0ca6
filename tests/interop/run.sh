#!/bin/sh
# The interoperability test: `cauris serve` against the Node Connect client.
#
#   sh tests/interop/run.sh [CAURIS_BIN]
#
# CAURIS_BIN defaults to $CAURIS_BIN, else build/cauris of this repository.
# Prepares the client (setup.sh), creates a ledger in a temporary directory
# (programme "interop", GNF, a capital rate of 10 %, the cash account of
# partner mfi1, a post,read token; the client enrols participant P1 through
# the server), starts the server on a free loopback port, runs
# client.mjs over both formats (and a savings group G1 with P1 as its
# member), stops the server with SIGTERM, then checks with the CLI that the
# balances, the group's included, are those the client posted and that the
# ledger verifies. Exits 0 only if everything passed; the server is killed
# and the temporary directory removed whatever happens.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-${CAURIS_BIN:-$root/build/cauris}}
case "$bin" in
  /*) ;;
  *) bin="$(pwd)/$bin" ;;
esac

tmp=""
server_pid=""

# shellcheck disable=SC2317 # called by the trap
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
  fi
  [ -z "$tmp" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_server_log() {
  if [ -n "$tmp" ] && [ -s "$tmp/server.log" ]; then
    echo "--- server log (last 100 lines) ---"
    tail -n 100 "$tmp/server.log"
    echo "--- end of server log ---"
  fi
}

fail() {
  echo "interop run: FAILED: $*"
  show_server_log
  exit 1
}

# Runs a command, keeping its output in $tmp/out; fails with it shown.
run() {
  "$@" >"$tmp/out" 2>&1 || {
    cat "$tmp/out"
    fail "$*"
  }
}

[ -x "$bin" ] || fail "$bin is not an executable (give the cauris binary as argument or CAURIS_BIN)"
command -v node >/dev/null 2>&1 \
  || fail "node not found: the interop test needs Node.js >= 18.14.1 and npm (Debian: apt-get install nodejs npm)"

sh "$here/setup.sh" || fail "setup.sh (npm packages, code generation)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cauris-interop.XXXXXX") || fail "mktemp"
dir="$tmp/ledger"

run "$bin" init "$dir" --programme interop --currency GNF --capital-rate-bp 1000
run "$bin" account open "$dir" partner:mfi1:cash
"$bin" token create "$dir" --programme interop --partner mfi1 --roles post,read \
  >"$tmp/token" 2>"$tmp/token.err" || {
  cat "$tmp/token" "$tmp/token.err"
  fail "cauris token create"
}
token=$(head -n 1 "$tmp/token")
[ -n "$token" ] || fail "cauris token create printed no token"
origin=$("$bin" checkpoint "$dir" | head -n 1)
[ -n "$origin" ] || fail "cauris checkpoint printed no origin"
vkey=$(head -n 1 "$dir/signing.pub")

# The server, on a port the kernel picks, written to the port file.
"$bin" serve "$dir" --listen 127.0.0.1:0 --port-file "$dir/port" >"$tmp/server.log" 2>&1 &
server_pid=$!
port=""
i=0
while [ $i -lt 100 ]; do
  if [ -s "$dir/port" ]; then
    port=$(head -n 1 "$dir/port")
    case "$port" in
      '' | *[!0-9]*) port="" ;;
      *) break ;;
    esac
  fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
  i=$((i + 1))
done
if [ -z "$port" ]; then
  if kill -0 "$server_pid" 2>/dev/null; then
    fail "cauris serve wrote no port to $dir/port within 10 s"
  fi
  wait "$server_pid"
  rc=$?
  server_pid=""
  fail "cauris serve exited with status $rc before writing its port"
fi
echo "interop run: cauris serve pid $server_pid on 127.0.0.1:$port"

CAURIS_URL="http://127.0.0.1:$port" CAURIS_TOKEN="$token" CAURIS_ORIGIN="$origin" \
  CAURIS_VKEY="$vkey" CAURIS_EXPECTED="$tmp/expected.json" node "$here/client.mjs"
client_rc=$?

# Stop the server: SIGTERM, a clean exit within 10 s.
kill -TERM "$server_pid" 2>/dev/null
(
  trap 'kill "$s" 2>/dev/null; exit 0' TERM
  sleep 10 &
  s=$!
  wait "$s" && kill -KILL "$server_pid"
) >/dev/null 2>&1 &
watchdog=$!
wait "$server_pid"
server_rc=$?
server_pid=""
kill "$watchdog" 2>/dev/null
wait "$watchdog" 2>/dev/null

[ "$client_rc" -eq 0 ] || fail "client.mjs exited with status $client_rc"
[ "$server_rc" -eq 0 ] || fail "cauris serve exited with status $server_rc after SIGTERM (137: not stopped within 10 s)"
echo "ok   server stopped cleanly on SIGTERM"

# What the server committed, read by the CLI with the server stopped.
[ -s "$tmp/expected.json" ] || fail "client.mjs wrote no expected balances"
codes=$(node -e 'console.log(Object.keys(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))).join(" "))' \
  "$tmp/expected.json") || fail "reading expected balances"
# shellcheck disable=SC2086 # the codes are words
run "$bin" balance "$dir" $codes --json
cp "$tmp/out" "$tmp/balances.json"
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
  const fs = require("fs");
  const want = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const got = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const byCode = Object.fromEntries(got.map((b) => [b.code, String(b.balance)]));
  let bad = 0;
  for (const [code, amount] of Object.entries(want)) {
    if (byCode[code] !== amount) {
      console.log(`FAIL cauris balance ${code}: ${byCode[code]}, the client posted ${amount}`);
      bad++;
    }
  }
  process.exit(bad ? 1 : 0);
' "$tmp/expected.json" "$tmp/balances.json" || fail "cauris balance differs from what the client posted"
wallet=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))["participant:P1:wallet"])' \
  "$tmp/expected.json")
echo "ok   cauris balance after the server stopped: as posted (participant:P1:wallet $wallet GNF)"

run "$bin" verify "$dir"
grep -q '^verify: ok' "$tmp/out" || {
  cat "$tmp/out"
  fail "cauris verify did not say 'verify: ok'"
}
echo "ok   cauris verify: ok"
echo "interop run: passed"
exit 0
