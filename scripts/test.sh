#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test.
#   scripts/test.sh           the dev build's tests, then the same under ASan+UBSan,
#                             then the concurrency and service tests under TSan
#   scripts/test.sh --quick   the dev build's tests only
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
presets=(dev asan tsan)
[[ "${1:-}" == "--quick" ]] && presets=(dev)
for preset in "${presets[@]}"; do
  echo "== $preset: configure, build, test"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset" -j2
done
