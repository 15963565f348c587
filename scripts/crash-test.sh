#!/usr/bin/env bash
# Crash loop: nothing acknowledged is ever lost.
#   scripts/crash-test.sh [CYCLES]      (default 20)
# Each cycle starts synergyd serve on the same data directory, drives it
# with concurrent clients (new synergies, studies, operations, then
# measurements), kills it with SIGKILL at a random moment, restarts it, and
# checks from the outside, through the API, that:
#   - every write that got a 2xx is there (a lost write is one that is not);
#   - positions run 1..head without a gap, and no write appears twice;
#   - the hash chain verifies;
#   - the KPIs equal a recount from the synergies' own history.
# It prints acknowledged and lost writes per cycle and exits 1 on any loss
# or failed check. SYNERGYD=path uses that binary instead of building a
# release one (the test suite runs a short version so). STOP=TERM sends
# SIGTERM instead of SIGKILL (a graceful stop under load), and then also
# requires a clean exit within 10 s.
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-20}
clients=${CLIENTS:-4}
source scripts/lib/synergyd.sh
use_release_synergyd
dir=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null || true
  jobs -p | xargs -r kill 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
data=$dir/data
token=$("$SYNERGYD" token create --data-dir "$data" --name crash --role admin)
auth="Authorization: Bearer $token"
json="Content-Type: application/json"
url=

start() { start_synergyd "$data"; }

post() {  # path body -> prints the status code
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url$1" -H "$auth" -H "$json" -d "$2" || true
}

# One client: its own synergies, each identified, studied, operational, then
# measured day after day; every acknowledged write goes to its ack file.
client() {  # cycle client
  local acks=$dir/acks.$1.$2 n=0 day sid code
  while :; do
    sid="c$1-$2-$n"
    n=$((n + 1))
    code=$(post /v1/programmes/crash/synergies "{\"id\":\"$sid\",\"title\":\"T\",\"kind\":\"substitution\",\"resource\":\"waste\",\"occurred_on\":\"2020-01-01\",\"participants\":[{\"company_id\":\"acme\",\"role\":\"provider\"},{\"company_id\":\"bois\",\"role\":\"receiver\"}]}")
    [[ $code == 201 ]] || return 0
    echo "synergy $sid" >> "$acks"
    code=$(post "/v1/synergies/$sid/study" '{"occurred_on":"2020-02-01","aspects":{},"decision":"go","estimated":{"savings_eur":10}}')
    [[ $code == 200 ]] || return 0
    code=$(post "/v1/synergies/$sid/operation" '{"occurred_on":"2020-03-01"}')
    [[ $code == 200 ]] || return 0
    for m in $(seq 1 20); do
      day=$(date -u -d "2021-01-01 + $m days" +%F)
      code=$(post "/v1/synergies/$sid/measurements" "{\"id\":\"m$m\",\"period_from\":\"$day\",\"period_to\":\"$day\",\"values\":{\"savings_eur\":$m,\"tonnes_recovered\":0.5},\"method\":\"metered\"}")
      [[ $code == 201 ]] || return 0
      echo "measurement $sid m$m $m" >> "$acks"
    done
  done
}

start
[[ $(post /v1/programmes '{"id":"crash","name":"Crash","region":"R","department":"01","facilitator_org":"F","started_on":"2019-01-01"}') == 201 ]]
for c in acme bois; do
  [[ $(post /v1/programmes/crash/companies "{\"id\":\"$c\",\"name\":\"$c\"}") == 201 ]]
done

failed=0
total_acked=0
total_lost=0
for cycle in $(seq 1 "$cycles"); do
  for k in $(seq 1 "$clients"); do client "$cycle" "$k" & done
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.5 + (r % 250) / 100 }')"
  stopped=""
  if [[ ${STOP:-KILL} == TERM ]]; then
    t0=$(date +%s.%N)
    kill -TERM "$pid"
    status=0
    wait "$pid" || status=$?
    seconds=$(echo "$(date +%s.%N) - $t0" | bc)
    stopped=" (SIGTERM: exit $status after ${seconds}s)"
    if (( status != 0 )) || (( $(echo "$seconds > 10" | bc) )); then failed=1; fi
  else
    { kill -9 "$pid" && wait "$pid"; } 2>/dev/null || true
  fi
  pid=
  wait  # the clients stop at their first refused request
  start

  synergies=$(curl -sf "$url/v1/synergies?programme=crash" -H "$auth")
  # What the log holds, in the ack files' words.
  jq -r '.synergies[] | "synergy \(.id)", (.id as $s | .measurements[] | "measurement \($s) \(.id)")' \
    <<<"$synergies" | sort > "$dir/present"
  cat "$dir"/acks."$cycle".* 2>/dev/null | cut -d' ' -f1-3 | sort > "$dir/acked"
  acked=$(wc -l < "$dir/acked")
  comm -23 "$dir/acked" "$dir/present" > "$dir/lost"
  lost=$(wc -l < "$dir/lost")
  sed 's/^/  lost: /' "$dir/lost"

  # Positions 1..head, each once; no synergy identified twice.
  head=$(curl -sf "$url/v1/audit/verify" -H "$auth")
  head_position=$(jq .head_position <<<"$head")
  positions=$dir/positions
  : > "$positions"
  after=0
  while (( after < head_position )); do
    page=$(curl -sf "$url/v1/events?after=$after&limit=1000" -H "$auth")
    jq -r '.events[] | "\(.position) \(.type) \(.stream)"' <<<"$page" >> "$positions"
    after=$(jq .last_position <<<"$page")
  done
  gapless=$(awk '$1 != NR { bad = 1 } END { print (bad || NR == 0) ? "no" : "yes" }' "$positions")
  twice=$(awk '$2 == "SynergyIdentified" { n[$3]++ } END { c = 0; for (s in n) if (n[s] > 1) c++; print c }' "$positions")
  chain=$(jq .ok <<<"$head")

  # The KPIs against a recount from the synergies' history.
  kpis=$(curl -sf "$url/v1/kpis?programme=crash" -H "$auth")
  recount=$(jq '[.synergies[].measurements[].values.savings_eur] | add // 0' <<<"$synergies")
  counted=$(jq '[.synergies[]] | length' <<<"$synergies")
  kpi_eur=$(jq .totals.measured.savings_eur <<<"$kpis")
  kpi_count=$(jq .totals.synergies.total <<<"$kpis")
  kpis_ok=no
  [[ $recount == "$kpi_eur" && $counted == "$kpi_count" ]] && kpis_ok=yes

  printf 'cycle %2d: acknowledged %4d  lost %d  head %6d  gapless %s  twice %s  chain %s  kpis %s%s\n' \
    "$cycle" "$acked" "$lost" "$head_position" "$gapless" "$twice" "$chain" "$kpis_ok" "$stopped"
  total_acked=$((total_acked + acked))
  total_lost=$((total_lost + lost))
  if (( lost > 0 )) || [[ $gapless != yes || $twice != 0 || $chain != true || $kpis_ok != yes ]]; then
    failed=1
  fi
done
echo "total: acknowledged $total_acked, lost $total_lost over $cycles cycles"
exit "$failed"
