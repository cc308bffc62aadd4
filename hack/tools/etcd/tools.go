//go:build tools

// Package tools pins the etcd commands built by hack/make/kube.mk, so that go.mod and go.sum list
// every module they need.
package tools

import (
	_ "go.etcd.io/etcd/etcdctl/v3"
	_ "go.etcd.io/etcd/server/v3"
)
