#!/usr/bin/env bash
# Brings package-lock.json in line with package.json, recording every platform's optional packages, so
# `npm ci` accepts it on Linux, macOS and Windows, x64 and arm64, glibc and musl.
#   scripts/lock.sh           after adding, removing or bumping a dependency in package.json
#   scripts/lock.sh --check   only says whether the committed lock is complete (CI runs this)
#
# Why a script: `npm install` in a checkout with node_modules/ writes a lock that lists only the optional
# packages of the platform it ran on (npm/cli#4828); `npm ci` elsewhere then refuses it ("Missing:
# @biomejs/cli-darwin-arm64 … from lock file"). npm resolves every platform's optional packages when it
# works from package.json and the lock alone, so this runs `npm install --package-lock-only` in a
# scratch folder without node_modules/. Versions already locked stay as they are.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

check=no
case "${1:-}" in
  --check) check=yes ;;
  "") ;;
  *)
    echo "usage: scripts/lock.sh [--check]" >&2
    exit 2
    ;;
esac

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp package.json "$scratch/"
[ -f package-lock.json ] && cp package-lock.json "$scratch/"

# Every optional dependency a locked package declares must be in the lock itself.
missing_optional() {
  node -e '
    const lock = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const packages = lock.packages ?? {};
    const missing = new Set();
    for (const [path, entry] of Object.entries(packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        // Resolved the way Node does: nearest node_modules/ up from the package that declares it.
        let base = path;
        let found = false;
        for (;;) {
          if (packages[`${base ? `${base}/` : ""}node_modules/${name}`]) { found = true; break; }
          if (!base) break;
          const cut = base.lastIndexOf("/node_modules/");
          base = cut === -1 ? "" : base.slice(0, cut);
        }
        if (!found) missing.add(`${name} (optional for ${path || "the project"})`);
      }
    }
    for (const name of [...missing].sort()) console.log(name);
  ' "$1"
}

if [ "$check" = yes ]; then
  [ -f package-lock.json ] || {
    echo "lock: no package-lock.json; run scripts/lock.sh" >&2
    exit 1
  }
  missing="$(missing_optional package-lock.json)"
  if [ -n "$missing" ]; then
    echo "lock: package-lock.json lacks other platforms' optional packages, so npm ci fails there:" >&2
    echo "$missing" | sed 's/^/  /' >&2
    echo "lock: run scripts/lock.sh and commit package-lock.json" >&2
    exit 1
  fi
  (cd "$scratch" && npm ci --dry-run --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) || {
    echo "lock: npm ci refuses package-lock.json (out of step with package.json); run scripts/lock.sh" >&2
    exit 1
  }
  echo "lock: package-lock.json is complete for every platform and matches package.json"
  exit 0
fi

(cd "$scratch" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error)
missing="$(missing_optional "$scratch/package-lock.json")"
if [ -n "$missing" ]; then
  echo "lock: npm still left out optional packages:" >&2
  echo "$missing" | sed 's/^/  /' >&2
  exit 1
fi
cp "$scratch/package-lock.json" package-lock.json
echo "lock: package-lock.json written; run npm ci to install from it, then commit it"
