#!/usr/bin/env bash
# Checks the Helm chart the way CI does: helm lint, helm template with each values file in
# deploy/helm/sluice/ci/, kubeconform against the Kubernetes JSON schemas (no network: they come from
# scripts/provision-deploy-tools.sh), the chart's refusals (no Redis URL, no Redis password), and what the
# rendered worker must carry for bubblewrap (deploy/helm/assert-rendered.mjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
tools="${SLUICE_TOOLS_DIR:-$PWD/.tools}"
bash scripts/provision-deploy-tools.sh
helm="$tools/bin/helm"
kubeconform="$tools/bin/kubeconform"
chart=deploy/helm/sluice
schema_dir="$(find "$tools/kubernetes-json-schema" -mindepth 1 -maxdepth 1 -type d -name 'v*-local-strict' | head -n 1)"
[ -n "$schema_dir" ] || {
  echo "check: no Kubernetes schemas under $tools/kubernetes-json-schema" >&2
  exit 1
}
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export HELM_CACHE_HOME="$out/helm-cache" HELM_CONFIG_HOME="$out/helm-config" HELM_DATA_HOME="$out/helm-data"

for values in "$chart"/ci/*-values.yaml; do
  name="$(basename "$values" .yaml)"
  "$helm" lint --strict "$chart" --values "$values" >"$out/$name.lint" || {
    cat "$out/$name.lint" >&2
    exit 1
  }
  "$helm" template sluice "$chart" --namespace sluice --values "$values" >"$out/$name.yaml"
  # ServiceMonitor is a Prometheus Operator resource; the Kubernetes schemas do not describe it.
  "$kubeconform" -strict -summary -skip ServiceMonitor \
    -schema-location "$schema_dir/{{ .ResourceKind }}{{ .KindSuffix }}.json" "$out/$name.yaml"
  node deploy/helm/assert-rendered.mjs "$out/$name.yaml"
done

# Fail closed: no Redis, a Redis without a password, or no plan key is refused at render time.
refuses() { # <expected message> <helm args…>
  local expected="$1"
  shift
  if "$helm" template sluice "$chart" "$@" >"$out/refused.yaml" 2>"$out/refused.err"; then
    echo "check: helm template $* rendered; expected it to refuse with \"$expected\"" >&2
    exit 1
  fi
  grep -qF "$expected" "$out/refused.err" || {
    echo "check: helm template $* failed without saying \"$expected\":" >&2
    cat "$out/refused.err" >&2
    exit 1
  }
}
refuses "redis.url is required"
refuses "redis.password (or redis.existingSecret) is required" --set redis.url=redis://redis:6379 --set github.enabled=false --set planKey.value=k
refuses "without a password" --set redis.url=redis://:secret@redis:6379 --set redis.password=x --set github.enabled=false --set planKey.value=k
refuses "planKey.value (or planKey.existingSecret) is required" --set redis.url=redis://redis:6379 --set redis.password=x --set github.enabled=false
echo "check: chart lints, renders and validates against $(basename "$schema_dir") schemas; refusals hold"
