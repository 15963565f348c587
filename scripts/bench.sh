#!/usr/bin/env bash
# Builds a release build and runs a benchmark; figures go to BENCHMARKS.md.
#   scripts/bench.sh append   durable appends (1, 8, 64, 256 writers) and
#                             replay, each next to raw RocksDB; last line:
#                             append64/raw64=X append64/append1=Y replay/rawscan=Z
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  append)
    scripts/deps.sh
    cmake --preset release >/dev/null
    cmake --build --preset release --target append_bench
    # The data directories go to TMPDIR (default /tmp): it must be a real
    # disk for fsync figures to mean anything.
    build/release/bench/append_bench --benchmark_color=false
    ;;
  *)
    echo "usage: scripts/bench.sh append" >&2
    exit 2
    ;;
esac
