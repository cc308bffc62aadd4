// Package apitest proves the generated CustomResourceDefinitions on a real kube-apiserver: what
// the API server accepts, defaults, rejects (OpenAPI and CEL rules) and prints. The api module
// cannot host these tests because it must stay free of controller-runtime and envtest; the tests
// install config/crd/bases exactly as `make manifests` generated it, so they fail when the markers
// and the generated files drift apart in a way that matters to users.
package apitest
