//go:build tools

// Package tools pins the containerd commands built by hack/make/kube.mk, so that go.mod and go.sum
// list every module they need.
package tools

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
	_ "github.com/containerd/containerd/v2/cmd/ctr"
)
