#!/usr/bin/env bash
# A real full disk: the data directory on a small tmpfs filled to the brim.
#   scripts/disk-full-test.sh
# Needs to mount a tmpfs (root, or CAP_SYS_ADMIN); where it cannot, it says
# so and exits 77 (the test suite reports it skipped). Checks, through the
# API of a running synergyd:
#   1. --reserve-mib 0, the disk filled but a few KiB: writes until one is
#      refused; it is 503 "unavailable" with Retry-After, the server stays
#      up, reads and /v1/audit/verify keep working;
#   2. space freed: the next write succeeds (the store reopens itself);
#   3. after a restart, every acknowledged write is there and the chain
#      verifies;
#   4. with a reserve larger than what is free, writes are refused as
#      "nearly full" and succeed again once space is freed.
# SYNERGYD=path uses that binary instead of building a release one.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/synergyd.sh
use_release_synergyd
dir=$(mktemp -d)
disk=$dir/disk
mkdir -p "$disk"
pid=
cleanup() {
  [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  umount "$disk" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=256m tmpfs "$disk" 2>"$dir/mount.err"; then
  echo "skipped: cannot mount a tmpfs here ($(tr -d '\n' < "$dir/mount.err"))"
  exit 77
fi
data=$disk/data
token=$("$SYNERGYD" token create --data-dir "$data" --name full --role admin)
auth="Authorization: Bearer $token"
json="Content-Type: application/json"
url=

start() { start_synergyd "$data" "$@"; }  # extra serve options
stop() {
  kill -TERM "$pid"
  wait "$pid"
  pid=
}
fail() {
  echo "FAIL: $*"
  tail -5 "$dir/log"
  exit 1
}
post() {  # path body -> the status code; the reply in $dir/reply, headers in $dir/headers
  curl -s -o "$dir/reply" -D "$dir/headers" -w '%{http_code}' --max-time 10 "$url$1" \
    -H "$auth" -H "$json" --data-binary "$2" || echo 000
}
# Each synergy carries a 400 KiB description, so the disk fills in a few
# hundred writes.
description=$(head -c 409600 /dev/zero | tr '\0' d)
synergy() {  # id -> the status code
  printf '{"id":"%s","title":"T","kind":"substitution","resource":"waste","occurred_on":"2020-01-01","description":"%s","participants":[{"company_id":"acme","role":"provider"},{"company_id":"bois","role":"receiver"}]}' \
    "$1" "$description" > "$dir/body"
  post /v1/programmes/full/synergies "@$dir/body"
}
fill() {  # leave this many KiB free
  local avail
  rm -f "$disk/filler"
  avail=$(df --output=avail -k "$disk" | tail -1)
  fallocate -l "$(( (avail - $1) * 1024 ))" "$disk/filler"
}

start --reserve-mib 0
[[ $(post /v1/programmes '{"id":"full","name":"Full","region":"R","department":"01","facilitator_org":"F","started_on":"2019-01-01"}') == 201 ]] || fail "programme"
for c in acme bois; do
  [[ $(post /v1/programmes/full/companies "{\"id\":\"$c\",\"name\":\"$c\"}") == 201 ]] || fail "company $c"
done

# 1. Full: write until refused.
fill 64
acked=()
code=201
for n in $(seq 1 2000); do
  code=$(synergy "s$n")
  [[ $code == 201 ]] || break
  acked+=("s$n")
done
echo "disk full after ${#acked[@]} acknowledged synergies: status $code"
[[ $code == 503 ]] || fail "a write on a full disk got $code, not 503"
[[ $(jq -r .type "$dir/reply") == unavailable ]] || fail "problem type $(cat "$dir/reply")"
grep -qi '^retry-after: 1' "$dir/headers" || fail "no Retry-After"
jq -r .detail "$dir/reply"
[[ $(synergy again) == 503 ]] || fail "a second write on the full disk was not refused"
curl -sf "$url/v1/synergies/${acked[-1]}" -H "$auth" >/dev/null || fail "reads stopped"
[[ $(curl -sf "$url/v1/audit/verify" -H "$auth" | jq .ok) == true ]] || fail "verify on the full disk"
kill -0 "$pid" || fail "synergyd died"

# 2. Space again: the store reopens at a write (at most one attempt a
# second, hence Retry-After: 1), which succeeds.
rm -f "$disk/filler"
for attempt in 1 2 3; do
  sleep 1
  code=$(synergy after-full)
  [[ $code == 503 ]] || break
done
[[ $code == 201 ]] || fail "after freeing space, a write got $code: $(cat "$dir/reply")"
acked+=(after-full)
echo "space freed: writes resume"

# 3. Restart: everything acknowledged is there.
stop
start --reserve-mib 0
present=$(curl -sf "$url/v1/synergies?programme=full" -H "$auth" | jq -r '.synergies[].id' | sort)
lost=$(comm -23 <(printf '%s\n' "${acked[@]}" | sort) <(echo "$present"))
[[ -z $lost ]] || fail "lost after restart: $lost"
[[ $(curl -sf "$url/v1/audit/verify" -H "$auth" | jq .ok) == true ]] || fail "verify after restart"
echo "after restart: ${#acked[@]} acknowledged, 0 lost, chain verifies"
stop

# 4. The reserve: refused before the disk is full, with RocksDB untouched.
start --reserve-mib 16
fill 8192
code=$(synergy in-reserve)
[[ $code == 503 ]] || fail "a write within the reserve got $code"
jq -r .detail "$dir/reply" | grep -q "nearly full" || fail "reserve refusal: $(cat "$dir/reply")"
rm -f "$disk/filler"
[[ $(synergy in-reserve) == 201 ]] || fail "after the reserve was freed: $(cat "$dir/reply")"
echo "reserve: refused at 8 MiB free, written once freed"
stop
echo "disk-full test passed"
