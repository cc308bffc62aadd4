#!/usr/bin/env bash
# add-registry-entry.sh TYPE IMAGE: adds (or replaces) one entry of the action registry ConfigMap
# in the cluster of $KUBECONFIG, keeping the others and the trust settings. The manager picks the
# change up within seconds.
set -euo pipefail
type=$1 image=$2
kubectl() { bin/k8s/kubectl "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cm="-n kubernaut-system get configmap kubernaut-action-registry"
# shellcheck disable=SC2086
kubectl $cm -o jsonpath='{.data.trust\.yaml}' >"$tmp/trust.yaml"
# shellcheck disable=SC2086
kubectl $cm -o jsonpath='{.data.registry\.yaml}' |
  awk -v t="$type:" '$1 == t {skip = 1; next} skip && /^[[:space:]]/ {next} {skip = 0; print}' |
  grep -v '^{}$' >"$tmp/registry.yaml" || true
printf '%s:\n  image: %s\n  verification: strict\n' "$type" "$image" >>"$tmp/registry.yaml"
kubectl -n kubernaut-system create configmap kubernaut-action-registry \
  --from-file=registry.yaml="$tmp/registry.yaml" --from-file=trust.yaml="$tmp/trust.yaml" \
  --dry-run=client -o yaml | kubectl apply --server-side --force-conflicts --field-manager kubernaut-demo-registry-entry -f -
