#!/usr/bin/env bash
# Runs one libFuzzer target for a while.
#   scripts/fuzz.sh TARGET SECONDS
# TARGET: json_command (request bodies through the JSON parser, the body
# mappings and the deciders), event_decoder (stored bytes through the
# decoders), http_handler (requests through the service). Built with clang
# under ASan and UBSan (the fuzz preset); starts from tests/fuzz/corpus/TARGET
# and keeps what it finds in build/fuzz/corpus/TARGET. A crash leaves its
# input in build/fuzz/ (crash-*): copy it into tests/fuzz/corpus/TARGET so
# the test suite replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
scripts/deps.sh
missing=()
for p in clang-14 libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
cmake --preset fuzz >/dev/null
cmake --build build/fuzz -j2 --target "${target}_fuzz"
work=build/fuzz/corpus/$target
mkdir -p "$work"
cd build/fuzz
"./tests/fuzz/${target}_fuzz" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
  -print_final_stats=1 "corpus/$target" "../../tests/fuzz/corpus/$target"
