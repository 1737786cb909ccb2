#!/usr/bin/env bash
# Runs the unit and integration tests on another Node.js as well (the rest of CI uses the node on PATH):
# NODE_MAJOR, default 22, the LTS the container image runs. It comes from the npm registry (the node@N
# package ships the binary and its headers). Not 24 yet: better-sqlite3 12 aborts the process on Node 24
# when the garbage collector finalizes a statement (RemoveEnvironmentCleanupHook, `(env) != nullptr`;
# seen here in test/unit/queue/embedded-queue.test.ts), and better-sqlite3 13 needs Node >= 22, which
# would drop Node 20. NODE_MAJOR=24 .ci/other-node.sh shows it.
# better-sqlite3 is a native addon built for one Node.js ABI: a build of it for that Node is compiled in a
# scratch copy and swapped in for this run only; the original is put back on exit.
#   .ci/other-node.sh                  unit + integration tests
#   .ci/other-node.sh test/unit/store  only these
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

major="${NODE_MAJOR:-22}"
npm install --prefix "$scratch/node" --no-save --no-audit --no-fund --loglevel=error "node@$major" >/dev/null
nodebin="$(cd "$scratch/node" && find "$PWD/node_modules" -path '*/bin/node' -type f | head -n 1)"
headers="$(find "$scratch/node/node_modules" -path '*/include/node/node.h' | head -n 1)"
[ -x "$nodebin" ] && [ -n "$headers" ] || {
  echo "other-node: the node@$major package has no binary or headers" >&2
  exit 1
}
nodedir="${headers%/include/node/node.h}"
echo "other-node: $("$nodebin" --version)"

# node-gyp as bundled with npm; --nodedir keeps it off the network.
gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
cp -r node_modules/better-sqlite3 "$scratch/better-sqlite3"
rm -rf "$scratch/better-sqlite3/build"
(cd "$scratch/better-sqlite3" && PATH="$(dirname "$nodebin"):$PATH" "$nodebin" "$gyp" rebuild --release --nodedir="$nodedir" >"$scratch/gyp.log" 2>&1) || {
  tail -n 30 "$scratch/gyp.log" >&2
  echo "other-node: building better-sqlite3 for Node $major failed" >&2
  exit 1
}
cp "$addon" "$scratch/original.node"
rm -f "$addon"
cp "$scratch/better-sqlite3/build/Release/better_sqlite3.node" "$addon"

# What to run: the unit and integration tests, or the test paths given.
[ "$#" -gt 0 ] || set -- test/unit test/integration
PATH="$(dirname "$nodebin"):$PATH" "$nodebin" node_modules/vitest/vitest.mjs run "$@"
