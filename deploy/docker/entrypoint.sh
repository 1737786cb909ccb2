#!/bin/sh
# The image's entry point: `sluice <command>` compiled (dist/src/cli.js), after loading the GitHub App
# that the server's /setup page saved in the data directory, unless the environment names an App
# already (as scripts/start.sh does for `npm start`). Restart the containers after /setup.
set -eu
app_env="${SLUICE_DATA_DIR:-/data}/github-app.env"
if [ -z "${APP_ID:-}" ] && [ -f "$app_env" ]; then
  set -a
  # shellcheck source=/dev/null
  . "$app_env"
  set +a
fi
exec node /app/dist/src/cli.js "$@"
