#!/usr/bin/env bash
# Installs what Sluice and its tests need, skipping whatever is already there:
#   - Debian packages: redis-server (not for `--for start`), bubblewrap, git
#   - OpenTofu $TOFU_VERSION built from its Go module into .tools/bin/tofu (when no tofu/terraform is on
#     PATH, or always with `--for test` or SLUICE_PROVISION_TOFU=1, so tests run on the pinned OpenTofu
#     even where a `terraform` is on PATH), and
#     under the same condition one more version, $TOFU_EXTRA_VERSION, into .tools/tofu/<version>/tofu:
#     what the tests of a project's `tool` pin (scripts/install-tool.sh builds both)
#   - dbt-core + dbt-duckdb in .tools/dbt-venv, linked as .tools/bin/dbt (skip with SLUICE_SKIP_DBT=1)
#   scripts/provision.sh --for start   what `npm start` needs: the embedded backend, so no Redis
#   scripts/provision.sh --for test    what `npm test` needs: everything, OpenTofu always pinned
# Quiet when nothing is missing, apart from a one-line summary. Safe to run concurrently (flock).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$PWD"

purpose=all
case "${1:-}" in
  "") ;;
  --for)
    purpose="${2:-}"
    case "$purpose" in start | test) ;; *)
      echo "provision: error: --for takes start or test" >&2
      exit 2
      ;;
    esac
    ;;
  *)
    echo "provision: error: usage: scripts/provision.sh [--for start|test]" >&2
    exit 2
    ;;
esac
[ "$purpose" = test ] && SLUICE_PROVISION_TOFU=1

TOFU_VERSION=1.12.6
# A second OpenTofu for projects that pin another version (test/e2e/tool-version.scenarios.test.ts).
TOFU_EXTRA_VERSION=1.11.6
DBT_CORE_VERSION=1.11.16
DBT_DUCKDB_VERSION=1.11.1

tools="$repo/.tools"
mkdir -p "$tools/bin"

# One provisioning at a time (parallel test workers, a user running it twice).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$tools/.provision.lock"
  flock 9
fi

say() { echo "provision: $*" >&2; }
die() {
  echo "provision: error: $*" >&2
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# 1. Debian packages, by the binary each provides.
missing=()
if [ "$purpose" != start ]; then command -v redis-server >/dev/null 2>&1 || missing+=(redis-server); fi
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v git >/dev/null 2>&1 || missing+=(git)
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get here: install them by hand"
  say "installing ${missing[*]} (apt)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. OpenTofu, pinned, built from the released module source (there is no other registry for it here).
tofu_bin="$tools/bin/tofu"
tofu_extra_bin="$tools/tofu/$TOFU_EXTRA_VERSION/tofu"
# Run version commands without the caller's CLI config: a missing TF_CLI_CONFIG_FILE prints warnings first.
tf_version() { env -u TF_CLI_CONFIG_FILE CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null | grep -m 1 -E '^(OpenTofu|Terraform) v' || true; }
tofu_ok() { [ -x "$1" ] && [ "$(tf_version "$1")" = "OpenTofu v$2" ]; }
on_path=no
if command -v tofu >/dev/null 2>&1 || command -v terraform >/dev/null 2>&1; then on_path=yes; fi
if [ "$on_path" = no ] || [ "${SLUICE_PROVISION_TOFU:-}" = 1 ]; then
  for wanted in "$TOFU_VERSION:$tofu_bin" "$TOFU_EXTRA_VERSION:$tofu_extra_bin"; do
    version="${wanted%%:*}"
    bin="${wanted#*:}"
    tofu_ok "$bin" "$version" && continue
    command -v go >/dev/null 2>&1 || die "building OpenTofu $version needs Go (https://go.dev/dl/), or put tofu on PATH"
    # Says what it builds, and how long it took.
    bash "$repo/scripts/install-tool.sh" opentofu "$version" "$bin" || die "building OpenTofu $version failed"
  done
fi

# 3. dbt in its own virtualenv.
dbt_venv="$tools/dbt-venv"
dbt_ok() {
  [ -x "$dbt_venv/bin/dbt" ] && [ -x "$dbt_venv/bin/python" ] &&
    [ "$("$dbt_venv/bin/python" -c 'from importlib.metadata import version; print(version("dbt-core"), version("dbt-duckdb"))' 2>/dev/null)" = "$DBT_CORE_VERSION $DBT_DUCKDB_VERSION" ]
}
if [ "${SLUICE_SKIP_DBT:-}" != 1 ]; then
  if ! dbt_ok; then
    python=""
    for candidate in python3.12 python3.11 python3.10 python3; do
      if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 10) else 1)' >/dev/null 2>&1; then
        python="$candidate"
        break
      fi
    done
    [ -n "$python" ] || die "dbt needs Python >= 3.10 with the venv module (Debian: python3-venv); or set SLUICE_SKIP_DBT=1"
    say "installing dbt-core $DBT_CORE_VERSION and dbt-duckdb $DBT_DUCKDB_VERSION into .tools/dbt-venv"
    rm -rf "$dbt_venv"
    "$python" -m venv "$dbt_venv" || die "$python -m venv failed (Debian: apt-get install python3-venv)"
    "$dbt_venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      "dbt-core==$DBT_CORE_VERSION" "dbt-duckdb==$DBT_DUCKDB_VERSION" || die "pip install of dbt failed"
    dbt_ok || die "the dbt in .tools/dbt-venv does not report the pinned versions"
  fi
  ln -sfn ../dbt-venv/bin/dbt "$tools/bin/dbt"
fi

# 4. Summary.
if command -v redis-server >/dev/null 2>&1; then
  summary="redis $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'), "
else
  summary="no redis (embedded backend), "
fi
summary+="bwrap $(bwrap --version | awk '{print $2}')"
summary+=", git $(git --version | awk '{print $3}')"
if [ -x "$tofu_bin" ]; then
  summary+=", tofu $(tf_version "$tofu_bin" | sed 's/^OpenTofu v//') (.tools/bin)"
  if [ -x "$tofu_extra_bin" ]; then summary+=" + $(tf_version "$tofu_extra_bin" | sed 's/^OpenTofu v//') (.tools/tofu)"; fi
elif command -v tofu >/dev/null 2>&1; then
  summary+=", tofu $(tf_version tofu | sed 's/^OpenTofu v//') (PATH)"
elif command -v terraform >/dev/null 2>&1; then
  summary+=", terraform $(tf_version terraform | sed 's/^Terraform v//') (PATH)"
fi
if [ "${SLUICE_SKIP_DBT:-}" = 1 ]; then
  summary+=", dbt skipped"
else
  summary+=", dbt-core $DBT_CORE_VERSION + dbt-duckdb $DBT_DUCKDB_VERSION"
fi
echo "provision: $summary"
