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
