#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test.
#   scripts/test.sh           the dev build's tests, then the same under ASan+UBSan,
#                             then the concurrency and service tests under TSan,
#                             then the release build (built, warnings as errors)
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
if [[ "${1:-}" != "--quick" ]]; then
  # GCC warns about other things at -O2; warnings are errors there too.
  echo "== release: configure, build (the tests above ran on the other builds)"
  cmake --preset release >/dev/null
  cmake --build --preset release
fi
