#!/usr/bin/env bash
# Builds one OpenTofu or Terraform version from its released Go module source (fetched through the Go
# module proxy and checked against the Go checksum database) and installs it where Sluice finds it:
#   scripts/install-tool.sh opentofu 1.11.6    -> .tools/tofu/1.11.6/tofu
#   scripts/install-tool.sh terraform 1.5.7    -> .tools/terraform/1.5.7/terraform
#   scripts/install-tool.sh opentofu 1.12.6 .tools/bin/tofu    (any path: what provision.sh does)
# Projects pick a version with `tool` in sluice.yaml (docs/repo-config.md); Sluice looks in the tools
# directory at its first plan after it starts (restart it after installing). Skips the build when the
# binary is there and reports that version.
# Needs Go; a build takes a few minutes (cold, 2 cores). Terraform 1.6 and later are under the BUSL.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() {
  echo "install-tool: error: $*" >&2
  exit 1
}

[ "$#" -ge 2 ] && [ "$#" -le 3 ] || die "usage: scripts/install-tool.sh <opentofu|terraform> <version> [<binary path>]"
distribution="$1"
version="${2#v}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] || die "\"$2\" is not an exact version (like 1.11.6)"
case "$distribution" in
  opentofu)
    module=github.com/opentofu/opentofu
    name=tofu
    title=OpenTofu
    package=./cmd/tofu
    # What OpenTofu's release build (.goreleaser.yaml) sets: drops the "-dev" marker.
    ldflags="-s -w -X github.com/opentofu/opentofu/version.dev=no"
    ;;
  terraform)
    module=github.com/hashicorp/terraform
    name=terraform
    title=Terraform
    package=.
    # What Terraform's release build sets: no "-dev" prerelease marker.
    ldflags="-s -w -X github.com/hashicorp/terraform/version.Prerelease="
    ;;
  *) die "unknown distribution \"$distribution\": opentofu or terraform" ;;
esac
bin="${3:-$PWD/.tools/$name/$version/$name}"
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac

reported() { env -u TF_CLI_CONFIG_FILE CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null | grep -m 1 -E '^(OpenTofu|Terraform) v' || true; }
if [ -x "$bin" ] && [ "$(reported "$bin")" = "$title v$version" ]; then
  exit 0
fi
command -v go >/dev/null 2>&1 || die "building $title $version needs Go (https://go.dev/dl/)"

echo "install-tool: building $title $version into ${bin#"$PWD"/} (takes minutes)" >&2
started=$SECONDS
# `go install <module>@<version>` is refused for modules with replace directives (OpenTofu has them), so
# download the module and build inside it; the same way for both distributions.
mod_dir="$(GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "$module@v$version" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
[ -n "$mod_dir" ] && [ -d "$mod_dir" ] || die "go mod download $module@v$version failed (is v$version released?)"
mkdir -p "$(dirname "$bin")"
tmp_bin="$bin.tmp.$$"
(
  cd "$mod_dir"
  GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$tmp_bin" "$package"
) || {
  rm -f "$tmp_bin"
  die "building $title $version failed"
}
mv -f "$tmp_bin" "$bin"
[ "$(reported "$bin")" = "$title v$version" ] || die "the built ${bin#"$PWD"/} does not report $title v$version"
echo "install-tool: $title $version built in $((SECONDS - started))s" >&2
