#!/usr/bin/env bash
# Runs the unit and integration tests on Node.js 24 as well (the rest of CI uses the node on PATH).
# Node 24 comes from the npm registry (the node@24 package ships the binary and its headers).
# better-sqlite3 is a native addon built for one Node.js ABI: a Node 24 build of it is compiled in a
# scratch copy and swapped in for this run only; the original is put back on exit.
#   .ci/node24.sh                      unit + integration tests
#   .ci/node24.sh test/unit/store      only these
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="$(mktemp -d)"
addon=node_modules/better-sqlite3/build/Release/better_sqlite3.node
# rm before cp: node_modules may hold hard links shared with other checkouts; never write through them.
restore() {
  if [ -f "$scratch/original.node" ]; then
    rm -f "$addon"
    cp "$scratch/original.node" "$addon"
  fi
  rm -rf "$scratch"
}
trap restore EXIT

npm install --prefix "$scratch/node24" --no-save --no-audit --no-fund --loglevel=error node@24 >/dev/null
node24="$(cd "$scratch/node24" && find "$PWD/node_modules" -path '*/bin/node' -type f | head -n 1)"
headers="$(find "$scratch/node24/node_modules" -path '*/include/node/node.h' | head -n 1)"
[ -x "$node24" ] && [ -n "$headers" ] || {
  echo "node24: the node@24 package has no binary or headers" >&2
  exit 1
}
nodedir="${headers%/include/node/node.h}"
echo "node24: $("$node24" --version)"

# node-gyp as bundled with npm; --nodedir keeps it off the network.
gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
cp -r node_modules/better-sqlite3 "$scratch/better-sqlite3"
rm -rf "$scratch/better-sqlite3/build"
(cd "$scratch/better-sqlite3" && PATH="$(dirname "$node24"):$PATH" "$node24" "$gyp" rebuild --release --nodedir="$nodedir" >"$scratch/gyp.log" 2>&1) || {
  tail -n 30 "$scratch/gyp.log" >&2
  echo "node24: building better-sqlite3 for Node 24 failed" >&2
  exit 1
}
cp "$addon" "$scratch/original.node"
rm -f "$addon"
cp "$scratch/better-sqlite3/build/Release/better_sqlite3.node" "$addon"

# What to run: the unit and integration tests, or the test paths given.
[ "$#" -gt 0 ] || set -- test/unit test/integration
PATH="$(dirname "$node24"):$PATH" "$node24" node_modules/vitest/vitest.mjs run "$@"
