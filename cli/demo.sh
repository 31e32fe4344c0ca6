#!/bin/sh
# demo.sh — `make run`: a small demo ledger in ./demo, shown, then served.
#
#   sh cli/demo.sh CAURIS_BIN DIR [LISTEN]
#
# If DIR holds no ledger, creates one (programme "demo", GNF), opens a
# partner's cash account and three participants' wallet, capital and grant
# accounts, and posts a month of a cash-for-work programme: the donor's
# funding at the MFI, two weekly wage runs split 90 % wallet / 10 %
# capitalisation, and payouts, and creates an access token with every role
# (kept in DIR/admin.token, mode 0600, so that later runs can print it).
# Then prints balances, a statement and the result of `cauris verify`, the
# token and curl examples, and serves the ledger on LISTEN (default
# 127.0.0.1:8080) until Ctrl-C.
set -eu

bin=${1:?usage: sh cli/demo.sh CAURIS_BIN DIR}
dir=${2:?usage: sh cli/demo.sh CAURIS_BIN DIR}
listen=${3:-127.0.0.1:8080}
prog=demo
participants="P1 P2 P3"

if [ ! -f "$dir/data.mdb" ]; then
  echo "== creating the demo ledger in $dir"
  "$bin" init "$dir" --programme "$prog" --currency GNF
  echo
  echo "== opening accounts"
  codes="partner:mfi1:cash"
  for p in $participants; do
    codes="$codes participant:$p:wallet participant:$p:capital participant:$p:grant"
  done
  # shellcheck disable=SC2086 # one argument per code
  "$bin" account open "$dir" $codes --programme "$prog"
  echo
  echo "== posting entries"
  entries=$(mktemp)
  trap 'rm -f "$entries"' EXIT
  {
    echo '# Donor funding received at the MFI.'
    echo '{"client_id":"fund-2026-11","op":"funding","value_date":"2026-11-02","external_ref":"MFI-7001","memo":"donor tranche 1","legs":[{"account":"partner:mfi1:cash","debit":"5000000"},{"account":"programme:fund","credit":"5000000"}]}'
    echo '# Weekly wages: 5 days x 15000 GNF, 10 % to capitalisation.'
    for week in 46:2026-11-13 47:2026-11-20; do
      w=${week%%:*}
      d=${week#*:}
      for p in $participants; do
        echo '{"client_id":"wage-'"$d-$p"'","op":"wage","value_date":"'"$d"'","memo":"week '"$w"'","legs":[{"account":"programme:wages","debit":"75000"},{"account":"participant:'"$p"':wallet","credit":"67500"},{"account":"participant:'"$p"':capital","credit":"7500"}]}'
      done
    done
    echo '# Payouts reported by the MFI.'
    echo '{"client_id":"pay-2026-11-21-P1","op":"payout","value_date":"2026-11-21","external_ref":"MFI-8812","memo":"cash withdrawal","legs":[{"account":"participant:P1:wallet","debit":"100000"},{"account":"partner:mfi1:cash","credit":"100000"}]}'
    echo '{"client_id":"pay-2026-11-21-P2","op":"payout","value_date":"2026-11-21","external_ref":"MFI-8813","memo":"mobile money","legs":[{"account":"participant:P2:wallet","debit":"50000"},{"account":"partner:mfi1:cash","credit":"50000"}]}'
  } >"$entries"
  "$bin" post "$dir" "$entries" --programme "$prog" --partner mfi1 --principal demo-script
  echo
fi

echo "== balances"
# shellcheck disable=SC2046 # one argument per code
"$bin" balance "$dir" --programme "$prog" programme:fund programme:wages partner:mfi1:cash \
  $(for p in $participants; do echo "participant:$p:wallet participant:$p:capital"; done)
echo
echo "== statement of participant:P1:wallet"
"$bin" statement "$dir" participant:P1:wallet --programme "$prog"
echo
echo "== trial balance"
"$bin" trial-balance "$dir" --programme "$prog"
echo
echo "== verify"
"$bin" verify "$dir"
echo
if [ ! -f "$dir/admin.token" ]; then
  (umask 077 && "$bin" token create "$dir" --partner mfi1 --roles post,approve,read,admin \
    --name demo-admin >"$dir/admin.token")
fi
token=$(cat "$dir/admin.token")
url="http://$listen"
cat <<EOF
== serving $dir on $url (Ctrl-C stops it)

admin token (partner mfi1, programme $prog, roles post,approve,read,admin):
  $token

Try, from another terminal:
  curl -s -H 'Authorization: Bearer $token' -H 'Content-Type: application/json' \\
    $url/cauris.v1.Ledger/GetBalances -d '{"participant":"P1"}'
  curl -s -H 'Authorization: Bearer $token' -H 'Content-Type: application/json' \\
    $url/cauris.v1.Ledger/GetStatement -d '{"account":"participant:P1:wallet"}'
  $bin --server $url --token $token balance participant:P1:wallet

EOF
exec "$bin" serve "$dir" --listen "$listen"
