#!/bin/sh
# demo.sh — `make run`: a small demo ledger in ./demo, shown, then served.
#
#   sh cli/demo.sh CAURIS_BIN DIR [LISTEN]
#
# If DIR holds no ledger, creates one (programme "demo", GNF, 10 % of each
# wage withheld as capital), opens the MFI's cash account, enrols three
# participants from a CSV file (which opens their wallet, capital and grant
# accounts), and posts a month of a cash-for-work programme as programme
# operations (the ledger makes the legs): the donor's funding at the MFI,
# two weekly wage runs (5 days x 15000 GNF, split 67500 wallet / 7500
# capital), and payouts, and creates an access token with every role
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
  "$bin" init "$dir" --programme "$prog" --currency GNF --capital-rate-bp 1000
  echo
  echo "== opening the MFI's cash account"
  "$bin" account open "$dir" partner:mfi1:cash --programme "$prog"
  echo
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "== enrolling participants"
  cat >"$work/participants.csv" <<'CSV'
id,sex,birth_year,wg_ss,admin1,admin2,category,cohort,phase,cso,name,phone
P1,f,1994,111111,Conakry,Ratoma,returned_migrant,2026-A,1,cso1,Aïssatou Diallo,+224 620 00 00 01
P2,m,1988,,Kindia,Coyah,former_security_forces,2026-A,1,cso1,Mamadou Bah,
P3,f,2001,112111,Conakry,Matoto,displaced_person,2026-A,1,cso1,"Fatoumata Camara, dite Fanta",+224 620 00 00 03
CSV
  "$bin" enroll "$dir" "$work/participants.csv" --programme "$prog" --partner cso1 \
    --principal demo-script
  echo
  echo "== posting entries"
  {
    echo '# Donor funding received at the MFI.'
    echo '{"client_id":"fund-2026-11","op":"funding","value_date":"2026-11-02","external_ref":"MFI-7001","memo":"donor tranche 1","amount":"5000000"}'
    echo '# Weekly wage runs: 5 days x 15000 GNF; the ledger keeps 10 % as capital.'
    for week in 46:2026-11-13 47:2026-11-20; do
      w=${week%%:*}
      d=${week#*:}
      for p in $participants; do
        echo '{"op":"wage","wage_run":"w'"$w"'","participant":"'"$p"'","days":5,"daily_rate":"15000","value_date":"'"$d"'","memo":"week '"$w"'"}'
      done
    done
    echo '# Payouts reported by the MFI.'
    echo '{"client_id":"pay-2026-11-21-P1","op":"payout","participant":"P1","amount":"100000","value_date":"2026-11-21","external_ref":"MFI-8812","memo":"cash withdrawal"}'
    echo '{"client_id":"pay-2026-11-21-P2","op":"payout","participant":"P2","amount":"50000","value_date":"2026-11-21","external_ref":"MFI-8813","memo":"mobile money"}'
  } >"$work/entries.jsonl"
  "$bin" post "$dir" "$work/entries.jsonl" --programme "$prog" --partner mfi1 \
    --principal demo-script
  rm -rf "$work" # the script ends in exec: an EXIT trap would not run then
  trap - EXIT
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
