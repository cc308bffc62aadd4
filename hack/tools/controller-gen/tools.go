//go:build tools

// Package tools pins controller-gen, which generates the CustomResourceDefinitions in
// config/crd/bases and the deepcopy functions in api/ from the kubebuilder markers of the API
// types. It lives in its own module so that controller-tools and its dependency graph never enter
// Kubernaut's go.mod: it is a build tool, not a runtime dependency. Build it with
// `make bin/controller-gen` (any target of hack/make/manifests.mk builds it first).
package tools

import (
	_ "sigs.k8s.io/controller-tools/cmd/controller-gen"
)
