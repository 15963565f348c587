#!/usr/bin/env bash
# Installs, on Debian 12, whatever the build, tests and benchmarks need and
# this machine lacks. Safe to run again: it installs nothing already there.
set -euo pipefail
packages=(
  build-essential cmake ccache pkg-config
  libboost-dev librocksdb-dev libcereal-dev libspdlog-dev nlohmann-json3-dev
  libssl-dev libjemalloc-dev libgtest-dev libgmock-dev libbenchmark-dev wrk curl jq
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
