#!/usr/bin/env bash
# `make demo`, the README's run command: Kubernaut on the local single-node cluster.
#   1. bring the cluster up (kubelet, containerd and runc really run the pods; needs root) with
#      real Tekton Pipelines, built from its Go module,
#   2. build, push and sign the built-in actions with a demo key and write the action registry,
#   3. deploy the manager, built by our own image builder, into the cluster,
#   4. run the seed's single-step workflow and a multi-step workflow (runAfter, a shared
#      workspace, outputs passed between steps) against a sample payment-service,
#   5. run the same multi-step workflow on Tekton (V2) and show the router switch engines by flag,
#   6. show an unsigned image refused before any Job exists.
# The cluster stays up for exploring; the last lines say how to look further and how to stop.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
state=${DEMO_DIR:-$PWD/bin/demo}
# The demo key is generated once under $state; its password is empty unless COSIGN_PASSWORD says.
export COSIGN_PASSWORD=${COSIGN_PASSWORD-}
kn=bin/kubernaut
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '+ %s\n' "$*" >&2; "$@"; }

if [ "$(id -u)" != 0 ]; then
  echo "make demo starts a local Kubernetes cluster (kubelet, containerd), which needs root: run it as root, e.g. sudo make demo" >&2
  exit 2
fi
mkdir -p "$state"

step "Bring the local cluster up (idempotent; the first start builds nothing more, tools are in bin/)"
run $kn dev cluster up
eval "$($kn dev cluster env)"

step "Install Tekton Pipelines v1.15.1, built from its Go module (the manager looks for it when it starts)"
run $kn dev tekton install
kubectl() { bin/k8s/kubectl "$@"; }
reg=$KUBERNAUT_REGISTRY

step "Build, push and sign every built-in action with the demo key; write the action registry"
run $kn action publish --registry "$reg/kubernaut/actions" \
  --generated-key-prefix "$state/demo-signing" --output-dir "$state/actions"

step "Deploy the manager (cmd/manager, built by our image builder) and the signed action registry"
run $kn dev deploy
run kubectl apply --server-side --force-conflicts --field-manager kubernaut-demo -k "$state/actions"

step "Deploy the sample payment-service (2 replicas) in namespace demo"
sed "s#REGISTRY#$reg#" hack/demo/payment-service.yaml | kubectl apply --server-side --force-conflicts --field-manager kubernaut-demo -f -
run kubectl -n demo rollout status deployment/payment-service --timeout 2m
kubectl -n demo delete wfe --all --wait=true >/dev/null

step "The seed's single-step workflow: scale payment-service to 10 replicas"
scale_image=$(grep -A1 '^ *kubernetes/scale_deployment:' "$state/actions/action_registry.yaml" | sed -n 's/.*image: *//p')
sed "s#image: ghcr.io/kubernaut/actions/scale@sha256:[0-9a-f]*#image: $scale_image#" config/samples/workflowexecution_scale.yaml |
  kubectl -n demo apply -f -
run $kn workflow status -n demo scale-payment-service --wait --timeout 5m

step "A multi-step workflow: diagnose -> scale -> verify -> notify, one shared workspace, outputs passed on"
kubectl apply -f hack/demo/remediation.yaml
run $kn workflow status -n demo remediate-payment-service --wait --timeout 5m
echo "notify's message, built from the outputs of scale and verify:"
kubectl -n demo get wfe remediate-payment-service -o jsonpath='{.status.steps[?(@.name=="notify")].outputs.message}{"\n"}'

step "The same multi-step workflow on Tekton (V2): verified first, then one PipelineRun"
sed -e 's/^  name: remediate-payment-service$/  name: remediate-payment-service-tekton/' \
    -e 's#^  namespace: demo$#  namespace: demo\n  annotations:\n    kubernaut.ai/engine: tekton#' hack/demo/remediation.yaml |
  kubectl apply -f -
run $kn workflow status -n demo remediate-payment-service-tekton --wait --timeout 5m
echo "notify's message on Tekton:"
kubectl -n demo get wfe remediate-payment-service-tekton -o jsonpath='{.status.steps[?(@.name=="notify")].outputs.message}{"\n"}'
run kubectl -n demo get pipelinerun,taskrun -l kubernaut.ai/workflow=remediate-payment-service-tekton

step "The router: tekton.workflowTypes sends new remediation workflows to Tekton; rolling back is one patch"
flags() { kubectl -n kubernaut-system patch configmap kubernaut-config --type merge -p "{\"data\":$1}" >/dev/null; echo "kubernaut-config: $1"; }
routed() {  # routed NAME: a copy of the remediation workflow, without annotation
  sed -e "s/^  name: remediate-payment-service\$/  name: $1/" hack/demo/remediation.yaml | kubectl apply -f -
  $kn workflow status -n demo "$1" --wait --timeout 5m >/dev/null
  kubectl -n demo get wfe "$1" -o jsonpath='{.metadata.name}: engine {.status.engine} ({.status.conditions[?(@.type=="EngineSelected")].message}){"\n"}'
}
flags '{"tekton.enabled":"true","tekton.workflowTypes":"remediation"}'
sleep 3  # the settings controller applies a change within seconds
routed routed-by-flag
flags '{"tekton.enabled":"false","tekton.workflowTypes":""}'
sleep 3
routed rolled-back
kubectl -n demo get wfe

step "An unsigned image is refused before any Job exists"
CGO_ENABLED=0 go build -trimpath -o "$state/notify_only" ./actions/kubernetes/notify_only
unsigned=$($kn action build --entrypoint "$state/notify_only" --contract actions/kubernetes/notify_only/action-contract.yaml \
  --tag "$reg/kubernaut/unsigned/notify_only:demo")
echo "built and pushed $unsigned, never signed"
hack/demo/add-registry-entry.sh demo/unsigned_notify "$unsigned"
kubectl apply -f hack/demo/unsigned.yaml
if $kn workflow status -n demo unsigned-action --wait --timeout 2m; then  # expected to fail: refused
  echo "the unsigned image was NOT refused" >&2
  exit 1
fi
jobs=$(kubectl -n demo get jobs -l kubernaut.ai/action-type=demo.unsigned_notify -o name)
echo "Jobs created for the unsigned workflow: ${jobs:-none}"
[ -z "$jobs" ]

step "Done: the cluster is still up"
kubectl -n demo get wfe,ae
cat <<EOF

Look further:
  export KUBECONFIG=$KUBECONFIG
  bin/k8s/kubectl -n demo get wfe -o wide
  bin/k8s/kubectl -n demo describe wfe remediate-payment-service
  bin/k8s/kubectl -n demo get ae,jobs,pods
  bin/k8s/kubectl -n demo get pipelinerun,taskrun
  bin/kubernaut workflow status -n demo remediate-payment-service
  bin/k8s/kubectl -n kubernaut-system logs deploy/kubernaut-manager -c manager
  bin/k8s/kubectl -n kubernaut-system get configmap kubernaut-action-registry -o yaml

Stop the cluster:   bin/kubernaut dev cluster down            (add --purge to delete its state)
EOF
