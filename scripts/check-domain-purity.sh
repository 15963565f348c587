#!/usr/bin/env bash
# Fails when a file under domain/ includes anything but a standard library
# header or another domain/ header. Usage: check-domain-purity.sh [DIR]
set -euo pipefail
dir=${1:-"$(dirname "$0")/../domain"}
status=0
while IFS= read -r line; do
  file=${line%%:*}
  header=$(sed -E 's/^[^:]*:[0-9]+:\s*#\s*include\s*([<"][^>"]+[>"]).*/\1/' <<<"$line")
  case "$header" in
    \"domain/*\") ;;                      # our own headers
    \<*\>)
      name=${header#<}; name=${name%>}
      # The standard library: no directory part and no ".h" suffix, or a C
      # compatibility header such as <cstdint>.
      if [[ "$name" == */* || "$name" == *.h || "$name" == *.hpp ]]; then
        echo "$line: not a standard library header" >&2; status=1
      fi ;;
    *) echo "$line: not a domain/ header" >&2; status=1 ;;
  esac
done < <(grep -rnE '^\s*#\s*include' "$dir" --include='*.h' --include='*.cc' || true)
if [[ $status -eq 0 ]]; then echo "domain/ includes only the standard library and domain/"; fi
exit $status
