#!/usr/bin/env bash
# Builds a release build and runs a benchmark; figures go to BENCHMARKS.md.
#   scripts/bench.sh append   durable appends (1, 8, 64, 256 writers) and
#                             replay, each next to raw RocksDB; last line:
#                             append64/raw64=X append64/append1=Y replay/rawscan=Z
#   scripts/bench.sh http     a release synergyd on a fresh data directory,
#                             driven by wrk over loopback (2 threads, 64
#                             connections, 10 s a case): (a) new synergies,
#                             (b) measurements with If-Match, (c) GET synergy,
#                             the whole synergy list and a command sent
#                             while one is rendered, then (c)'s floor:
#                             bench/http_floor answering bodies of the
#                             same size, synergyd stopped, and
#                             the floor of (a) and (b): http_floor appending
#                             each request to a file, fdatasync'd per group
#   scripts/bench.sh kpi      a generated log of 1 M events (10,000 synergies,
#                             50 programmes): rebuild, start-up from the
#                             checkpoint, as_of KPI latency mid-log, and wrk
#                             on /v1/kpis with and without group_by, then
#                             a graceful stop (SIGTERM) after one more write
#   scripts/bench.sh decide   the measurement decider and fold against
#                             synergies of 10 to 10,000 measurements
# Each wrk case of http and kpi also prints the CPU a request took: in the
# server, by thread name, and in wrk, which shares the cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/synergyd.sh
case "${1:-}" in
  append)
    scripts/deps.sh
    cmake --preset release >/dev/null
    cmake --build --preset release --target append_bench
    # The data directories go to TMPDIR (default /tmp): it must be a real
    # disk for fsync figures to mean anything.
    build/release/bench/append_bench --benchmark_color=false
    ;;
  http)
    scripts/deps.sh
    cmake --preset release >/dev/null
    cmake --build --preset release --target synergyd http_floor
    SYNERGYD=$PWD/build/release/app/synergyd
    dir=$(mktemp -d)
    floor=
    trap 'kill $pid $floor 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
    token=$("$SYNERGYD" token create --data-dir "$dir/data" --name bench --role admin)
    start_synergyd "$dir/data"
    auth="Authorization: Bearer $token"
    json="Content-Type: application/json"
    curl -sf "$url/v1/programmes" -H "$auth" -H "$json" -d '{"id":"bench","name":"Bench park",
      "region":"Nouvelle-Aquitaine","department":"33","facilitator_org":"Bench","started_on":"2019-01-01"}' >/dev/null
    for c in acme bois; do
      curl -sf "$url/v1/programmes/bench/companies" -H "$auth" -H "$json" -d "{\"id\":\"$c\",\"name\":\"$c\"}" >/dev/null
    done
    export SYNERGY_TOKEN=$token SYNERGY_WRK_DIR=$PWD/bench/wrk SYNERGY_SYNERGIES=2000
    # Set-up: 2000 synergies, studied and operational (version 3 each).
    SYNERGY_SETUP=1 wrk -t2 -c16 -d3s -s bench/wrk/identify.lua "$url" >/dev/null
    SYNERGY_STEP=study wrk -t2 -c16 -d3s -s bench/wrk/advance.lua "$url" >/dev/null
    SYNERGY_STEP=operation wrk -t2 -c16 -d3s -s bench/wrk/advance.lua "$url" >/dev/null
    # A safety net: create, study and operate whatever synergy the set-up
    # left out, and say so. (s0 used to be: wrk calls request() once to
    # check a script and never sends that request; common.lua's
    # is_check_call now keeps the set-up's first id for the real call.)
    have=$(curl -sf "$url/v1/synergies?programme=bench&stage=operational" -H "$auth" |
           grep -o '"id":"s[0-9]*"' | sort -u)
    for n in $(seq 0 $((SYNERGY_SYNERGIES - 1))); do
      grep -q "\"id\":\"s$n\"" <<<"$have" && continue
      echo "set-up: s$n was missing after wrk; creating it with curl"
      curl -s "$url/v1/programmes/bench/synergies" -H "$auth" -H "$json" -o /dev/null -d \
        "{\"id\":\"s$n\",\"title\":\"Pooled waste collection\",\"kind\":\"substitution\",\"resource\":\"waste\",\"occurred_on\":\"2020-01-01\",\"participants\":[{\"company_id\":\"acme\",\"role\":\"provider\"},{\"company_id\":\"bois\",\"role\":\"receiver\"}]}"
      curl -s "$url/v1/synergies/s$n/study" -H "$auth" -H "$json" -o /dev/null -d \
        '{"occurred_on":"2020-02-01","aspects":{},"decision":"go","estimated":{"savings_eur":1000}}'
      curl -s "$url/v1/synergies/s$n/operation" -H "$auth" -H "$json" -o /dev/null -d '{"occurred_on":"2020-03-01"}'
    done
    # run NAME SCRIPT SERVER_PID: a case of wrk_case against $url.
    run() { wrk_case "$1" "$3" -s "bench/wrk/$2" "$url"; }
    run "(a) POST new synergy" identify.lua "$pid"
    run "(b) POST measurement, If-Match" measure.lua "$pid"
    # (a) and (b) appended some 370,000 events: the service checkpoints its
    # read models at its first quiet moment, 5 to 10 s after (b), a second
    # of one core's time (the kpi case measures checkpoints). (c) starts
    # after that checkpoint and with the writes on disk, as the floor below.
    events=$(curl -sf "$url/metrics" | awk '$1 == "synergy_events_total" {print $2}')
    for _ in $(seq 300); do
      grep -q "checkpoint at position $events:" "$dir/out" && break
      sleep 0.1
    done
    grep -o "checkpoint at position $events: .*" "$dir/out" ||
      echo "no checkpoint at position $events within 30 s"
    sync
    run "(c) GET synergy" read.lua "$pid"
    curl -sf "$url/v1/audit/verify" -H "$auth"; echo
    # The whole synergy list (every synergy of (a) and the set-up's, these
    # with (b)'s measurements), then a command sent on a new connection
    # while another such list is rendered: the list runs on a thread of its
    # own and takes the read models' lock in slices, so the command waits
    # for one slice, not for the list.
    curl -s -o /dev/null -H "$auth" "$url/v1/synergies" \
      -w "GET /v1/synergies (all)              %{size_download} B in %{time_total} s\n"
    curl -s -o /dev/null -H "$auth" "$url/v1/synergies" & list=$!
    sleep 0.2
    curl -s -o /dev/null -H "$auth" -H "$json" -d '{"occurred_on":"2020-06-01","reason_code":"other"}' \
      "$url/v1/synergies/s0/abandonment" -w "    a command sent 0.2 s into another list: %{http_code} in %{time_total} s\n"
    wait "$list"
    # The floor for (c): a server that only answers a body of the same size,
    # under the same wrk command, synergyd stopped. What this machine allows
    # a reply of that size at all.
    bytes=$(curl -sf "$url/v1/synergies/s1" -H "$auth" | wc -c)
    kill "$pid"; wait "$pid" 2>/dev/null || true
    sync
    build/release/bench/http_floor 0 "$bytes" > "$dir/floor" &
    floor=$!
    url=$(listening_url "$dir/floor")
    run "(c) floor: fixed ${bytes} B replies" read.lua "$floor"
    kill "$floor"; wait "$floor" 2>/dev/null || true
    # The floor for (a) and (b): the same server, but every request is
    # appended to a file and answered (100 B, a command reply's size) once
    # fdatasync'd, by one thread that writes and syncs whatever waits
    # (group commit with nothing else to do). What a durable command
    # costs here at all, under the same wrk scripts.
    for case in "(a) identify.lua" "(b) measure.lua"; do
      build/release/bench/http_floor 0 100 2 "$dir/floor.log" > "$dir/floor" &
      floor=$!
      url=$(listening_url "$dir/floor")
      run "${case%% *} floor: fsync'd, fixed replies" "${case#* }" "$floor"
      kill "$floor"; wait "$floor" 2>/dev/null || true
      rm -f "$dir/floor.log"
      sync
    done
    ;;
  kpi)
    scripts/deps.sh
    cmake --preset release >/dev/null
    cmake --build --preset release --target synergyd make_log
    SYNERGYD=$PWD/build/release/app/synergyd
    dir=$(mktemp -d)
    pid=
    trap '[[ -n $pid ]] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
    build/release/bench/make_log "$dir/data" 1000000 10000 50 2>/dev/null
    # Each phase starts with the disk settled: the writeback of the phase
    # before (a 1 GB log, a 146 MB checkpoint) is not the figure measured.
    sync
    token=$("$SYNERGYD" token create --data-dir "$dir/data" --name bench --role admin)
    echo "rebuild: $("$SYNERGYD" rebuild --data-dir "$dir/data")"
    sync
    # serve verifies the chain from the last verified position: verify the
    # whole generated log once first, as a served log always has been.
    start=$(date +%s.%N)
    "$SYNERGYD" verify --data-dir "$dir/data" >/dev/null
    echo "verify (the whole chain, once): $(echo "$(date +%s.%N) - $start" | bc) s"
    start=$(date +%s.%N)
    start_synergyd "$dir/data"
    echo "start-up from the checkpoint to /readyz 200: $(echo "$(date +%s.%N) - $start" | bc) s"
    auth="Authorization: Bearer $token"
    printf 'first GET /v1/kpis (computed at the head): %s s\n' \
      "$(curl -sf -o /dev/null -w '%{time_total}' -H "$auth" "$url/v1/kpis")"
    # as_of at five instants around the middle of the log, each at another
    # position (so none is answered from the cache).
    times=()
    for p in 400000 450000 500000 550000 600000; do
      at=$(curl -sf -H "$auth" "$url/v1/events?after=$((p - 1))&limit=1" |
           sed -n 's/.*"recorded_at":"\([^"]*\)".*/\1/p')
      times+=("$(curl -sf -o /dev/null -w '%{time_total}' -H "$auth" "$url/v1/kpis?as_of=$at&group_by=year")")
    done
    echo "as_of KPI (group_by=year) mid-log, seconds: ${times[*]}"
    run() { wrk_case "$1" "$pid" -H "$auth" "$url$2"; }  # name target
    sync
    run "GET /v1/kpis" /v1/kpis
    run "GET /v1/kpis?group_by=programme" "/v1/kpis?group_by=programme"
    # One more event, so the stop writes a checkpoint of the whole models.
    curl -sf -o /dev/null -H "$auth" -H 'Content-Type: application/json' "$url/v1/programmes" \
      -d '{"id":"last","name":"L","region":"R","department":"01","facilitator_org":"F","started_on":"2019-01-01"}'
    start=$(date +%s.%N)
    kill -TERM "$pid"
    wait "$pid"
    pid=
    echo "graceful stop (SIGTERM to exit, checkpoint included): $(echo "$(date +%s.%N) - $start" | bc) s"
    # The log is flushed every second: read once synergyd is gone.
    grep -o 'checkpoint at position [0-9]* loaded: .*' "$dir/out"
    grep -o 'checkpoint at position [0-9]*: .*' "$dir/out" | tail -1
    ;;
  decide)
    scripts/deps.sh
    cmake --preset release >/dev/null
    cmake --build --preset release --target decide_bench
    # Three runs of each; the median is printed.
    build/release/bench/decide_bench --benchmark_color=false --benchmark_repetitions=3 \
      --benchmark_report_aggregates_only=true | grep -v -E '_(mean|stddev|cv) '
    ;;
  *)
    echo "usage: scripts/bench.sh append|http|kpi|decide" >&2
    exit 2
    ;;
esac
