#!/usr/bin/env bash
# Runs Sluice as one process for a local trial: installs what it needs and serves webhooks with two
# in-process workers. Without REDIS_URL, queue, locks and store live in one SQLite file in the data
# directory (the embedded backend); nothing else is started. A GitHub App created through the server's
# /setup page is saved in <data dir>/github-app.env and loaded here.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/provision.sh --for start
app_env="${SLUICE_DATA_DIR:-.sluice}/github-app.env"
if [ -z "${APP_ID:-}" ] && [ -f "$app_env" ]; then
  set -a
  # shellcheck source=/dev/null
  . "$app_env"
  set +a
  echo "sluice: using the GitHub App in $app_env"
fi
export PATH="$PWD/.tools/bin:$PATH"
exec npx tsx src/cli.ts server --workers "${SLUICE_WORKERS:-2}" "$@"
