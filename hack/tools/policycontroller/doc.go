// Package policycontroller tests Kubernaut's admission policies (config/policy-controller)
// against the Sigstore policy-controller they are written for, and checks that they agree with
// the release workflow that signs the action images (.github/workflows/release-actions.yaml).
//
// It is a module of its own so that policy-controller and its large dependency graph (knative,
// cosign) never enter Kubernaut's go.mod. The tests use policy-controller twice:
//
//   - its CustomResourceDefinitions, read from its module (downloaded into the module cache by
//     the Go command, never vendored), installed into a real kube-apiserver (envtest, with the
//     binaries `make test-tools` builds into bin/k8s) to which the policies are applied;
//   - its typed Go API, into which the policies are decoded strictly (an unknown field is an
//     error) and whose Validate method, the one policy-controller's own webhook runs, must accept
//     them.
//
// Run with `make test-admission-policy`, or `cd hack/tools/policycontroller && go test ./...`.
package policycontroller
