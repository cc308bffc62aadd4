#!/usr/bin/env bash
# The supply-chain walk-through behind `make demo` (issue 2 scope): an action built on the SDK is
# run locally in each input mode, packaged into an OCI image without Docker, pushed to a registry
# on 127.0.0.1, signed, verified, and its embedded contract read back. Unsigned images and wrong
# keys are refused. Later issues extend this to the local cluster (WorkflowExecutions on Jobs).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local CGO_ENABLED=0
state=${DEMO_DIR:-$PWD/bin/demo}
port=${DEMO_REGISTRY_PORT:-5055}
reg=127.0.0.1:$port
rm -rf "$state" && mkdir -p "$state"
k() { echo "+ kubernaut $*" >&2; bin/kubernaut "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Build the CLI, the local registry and the example action (sdk/examples/greet)"
go build -o bin/kubernaut ./cmd/kubernaut
go build -o bin/kubernaut-dev-agent ./internal/devcluster/agent
(cd sdk && go build -trimpath -o "$state/greet" ./examples/greet)

step "Run the action locally: the same binary takes inputs from ACTION_INPUTS, a file or stdin"
# In an image the SDK finds the contract at /action-contract.yaml; here we point it at the file.
export ACTION_CONTRACT_PATH=sdk/examples/greet/action-contract.yaml
ACTION_INPUTS='{"name":"Ada"}' "$state/greet"
echo '{"name":"Grace","times":2}' | "$state/greet"
if echo '{"name":"<script>"}' | "$state/greet"; then echo "invalid input was accepted" >&2; exit 1; fi
echo "(refused before the action ran: the contract's pattern does not match)"
unset ACTION_CONTRACT_PATH

step "Start an OCI registry on $reg"
bin/kubernaut-dev-agent registry --addr "$reg" --dir "$state/registry" 2>"$state/registry.log" &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

step "Build and push the action image (no Docker; same inputs, same digest), and an unsigned one"
ref=$(k action build --entrypoint "$state/greet" --contract sdk/examples/greet/action-contract.yaml --tag "$reg/actions/greet:v1.0.0")
echo "$ref"
unsigned=$(export SOURCE_DATE_EPOCH=1; k action build --entrypoint "$state/greet" --contract sdk/examples/greet/action-contract.yaml --tag "$reg/actions/unsigned:v1.0.0")

step "Read the contract back from the image (only the manifest and the top layer are fetched)"
k contract show "$ref"

step "Generate a cosign-compatible key pair and sign (Sigstore bundle as an OCI referrer)"
export COSIGN_PASSWORD=demo
k generate-key-pair --output-key-prefix "$state/demo"
k sign --key "$state/demo.key" "$ref"
k generate-key-pair --output-key-prefix "$state/other"

step "Verify: the signed image passes, offline, and says what was verified"
k verify --key "$state/demo.pub" --tlog disabled "$ref"

step "Refusals: an unsigned image, a wrong key, a tag instead of a digest"
for args in "--key $state/demo.pub $unsigned" "--key $state/other.pub $ref" "--key $state/demo.pub $reg/actions/greet:v1.0.0"; do
  # shellcheck disable=SC2086
  if k verify --tlog disabled $args; then echo "expected a refusal" >&2; exit 1; fi
done

printf '\nDone. Image %s is signed with %s.\n' "$ref" "$state/demo.pub"
printf 'The registry stops now; files are under %s.\n' "$state"
