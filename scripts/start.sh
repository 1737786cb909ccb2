#!/usr/bin/env bash
# Runs Sluice as one process for a local trial: installs what it needs, starts a private Redis
# in .sluice/redis when REDIS_URL is not set, and serves webhooks with two in-process workers.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
bash scripts/provision.sh
if [ -z "${REDIS_URL:-}" ]; then
  mkdir -p .sluice/redis
  port="${SLUICE_REDIS_PORT:-6390}"
  if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
    redis-server --port "$port" --bind 127.0.0.1 --dir "$PWD/.sluice/redis" --appendonly yes --daemonize yes \
      --logfile "$PWD/.sluice/redis/redis.log" --pidfile "$PWD/.sluice/redis/redis.pid"
  fi
  export REDIS_URL="redis://127.0.0.1:$port"
  echo "sluice: using a local Redis at $REDIS_URL (data in .sluice/redis)"
fi
export PATH="$PWD/.tools/bin:$PATH"
exec npx tsx src/cli.ts server --workers "${SLUICE_WORKERS:-2}" "$@"
