# Shared by the scripts that drive a real synergyd from outside (source it
# from the project's root).

# Sets SYNERGYD to a release synergyd, building one (after installing what is
# missing) unless SYNERGYD already names a binary.
use_release_synergyd() {
  if [[ -z "${SYNERGYD:-}" ]]; then
    scripts/deps.sh
    cmake --preset release >/dev/null
    cmake --build --preset release --target synergyd >/dev/null
    SYNERGYD=$PWD/build/release/app/synergyd
  fi
}

# start_synergyd DATA_DIR [SERVE_OPTION...]: starts `$SYNERGYD serve` on a
# free port, stdout to $dir/out and stderr to $dir/log, and waits until it
# is ready. Sets pid and url; exits 1 when it does not start.
start_synergyd() {
  local data=$1
  shift
  "$SYNERGYD" serve --data-dir "$data" --port 0 "$@" > "$dir/out" 2>> "$dir/log" &
  pid=$!
  url=$(listening_url "$dir/out")
  [[ -n $url ]] || { echo "synergyd did not start"; tail "$dir/log"; exit 1; }
  until curl -sf "$url/readyz" >/dev/null; do sleep 0.01; done
}

# listening_url FILE: waits up to 10 s for a server's "listening on URL"
# line in FILE and prints the URL (nothing if it never came). 10 ms steps:
# the KPI benchmark times start-up with this.
listening_url() {
  for _ in $(seq 1000); do grep -q listening "$1" 2>/dev/null && break; sleep 0.01; done
  sed -n 's/^listening on //p' "$1"
}

# thread_cpu PID: one line per thread of PID, sorted by thread id:
# "TID NAME TICKS", TICKS its user and system time so far in clock ticks.
thread_cpu() {
  local t
  for t in /proc/"$1"/task/*; do
    # Fields after "pid (comm) ": utime and stime are the 12th and 13th.
    echo "${t##*/} $(tr ' ' _ < "$t/comm") $(sed 's/^.*) //' "$t/stat" | awk '{print $12 + $13}')"
  done 2>/dev/null | sort
}

# cpu_per_request BEFORE AFTER REQUESTS: from two thread_cpu snapshots of
# one process, its CPU per request in microseconds, in all and by thread
# name (threads of one name summed, those under 0.1 us left out), e.g.
# "57.1 us (log-writer 22.0, synergyd 17.9, http-1 17.1)".
cpu_per_request() {
  join -a 2 -e 0 -o 0,2.2,1.3,2.3 "$1" "$2" |
    awk -v r="$3" -v tick="$(getconf CLK_TCK)" '
      { by[$2] += ($4 - $3) * 1e6 / tick / r; all += ($4 - $3) * 1e6 / tick / r }
      END {
        n = 0
        for (name in by) if (by[name] >= 0.1) { names[++n] = name }
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
          if (by[names[j]] > by[names[i]]) { t = names[i]; names[i] = names[j]; names[j] = t }
        line = ""
        for (i = 1; i <= n; i++) line = line (i > 1 ? ", " : "") sprintf("%s %.1f", names[i], by[names[i]])
        printf "%.1f us (%s)\n", all, line
      }'
}

# wrk_case NAME SERVER_PID WRK_ARGUMENT...: one benchmark case, wrk with 2
# threads and 64 connections for 10 s (plus the arguments given: a script,
# headers, the URL) against the server SERVER_PID. Prints the rate, p99 and
# non-2xx count, then the CPU a request took in the server (by thread) and
# in wrk, which shares the machine's cores.
wrk_case() {
  local name=$1 server=$2
  shift 2
  local tmp out rps p99 bad requests TIMEFORMAT='%U %S'
  tmp=$(mktemp -d)
  thread_cpu "$server" > "$tmp/cpu0"
  { time wrk -t2 -c64 -d10s --latency "$@" > "$tmp/out"; } 2> "$tmp/time"
  thread_cpu "$server" > "$tmp/cpu1"
  out=$(< "$tmp/out")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  printf '%-34s %10s req/s  p99 %8s  non-2xx %s\n' "$name" "$rps" "$p99" "${bad:-0}"
  printf '    CPU a request: server %s, wrk %s us\n' \
    "$(cpu_per_request "$tmp/cpu0" "$tmp/cpu1" "$requests")" \
    "$(awk -v r="$requests" 'END {printf "%.1f", ($1 + $2) * 1e6 / r}' "$tmp/time")"
  rm -rf "$tmp"
}
