#!/bin/sh
# Runs each test binary given, from a fresh temporary directory each, and
# prints one summary line: "summary: N passed, N failed".
# A binary that crashes or exits non-zero without cmocka's counts is one
# failure.
# The CLI's remote mode must not catch the local tests' commands.
unset CAURIS_SERVER CAURIS_TOKEN
passed=0
failed=0
failed_names=""
root=$(pwd)
for t in "$@"; do
  name=$(basename "$t")
  tmp=$(mktemp -d)
  out="$tmp/output.txt"
  ( cd "$tmp" && CAURIS_ROOT="$root" CAURIS_BIN="$root/${BUILD:-build}/cauris" \
      timeout 900 "$root/$t" ) >"$out" 2>&1
  rc=$?
  cat "$out"
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  [ "$f" -eq 0 ] || failed_names="$failed_names $name"
  rm -rf "$tmp"
done
[ -z "$failed_names" ] || echo "failing:$failed_names"
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
