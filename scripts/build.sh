#!/usr/bin/env bash
# Compiles to dist/ and copies the files code loads at run time next to it (Lua scripts, SQL schemas).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npx tsc -p tsconfig.json
find src -type f \( -name '*.lua' -o -name '*.sql' \) | while read -r file; do
  mkdir -p "dist/$(dirname "$file")"
  cp "$file" "dist/$file"
done
