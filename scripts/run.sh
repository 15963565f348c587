#!/usr/bin/env bash
# Installs what is missing, builds a release build, and serves Synergy
# Ledger on 127.0.0.1:8080 (PORT overrides). On first start it creates an
# admin token, prints it once and keeps it in var/admin.token (mode 600),
# and imports the demo data set (data/demo) into the new data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target synergyd
synergyd=build/release/app/synergyd
data=var/data
mkdir -p var
fresh=yes
[[ -d "$data" ]] && fresh=no
if [[ $fresh == yes ]]; then
  "$synergyd" import --data-dir "$data" data/demo
fi
if [[ ! -s var/admin.token ]]; then
  name=admin
  # A data directory kept from an earlier start already has an "admin".
  [[ $fresh == no ]] && name="admin-$(date +%Y%m%d%H%M%S)"
  (umask 077 && "$synergyd" token create --data-dir "$data" --name "$name" --role admin \
      > var/admin.token.new)
  mv var/admin.token.new var/admin.token
  echo "admin token '$name' (kept in var/admin.token): $(cat var/admin.token)"
fi
port=${PORT:-8080}
echo "Synergy Ledger on http://127.0.0.1:$port (try: curl -H \"Authorization: Bearer \$(cat var/admin.token)\" localhost:$port/v1/programmes)"
exec "$synergyd" serve --data-dir "$data" --port "$port" --bind 127.0.0.1
