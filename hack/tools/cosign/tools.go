//go:build tools

// Package tools pins the cosign CLI that the interop tests run as an external
// program. It lives in its own module so that cosign and its large dependency
// graph never enter Kubernaut's go.mod: cosign is a test tool, not a runtime
// dependency. Build it with `make test-tools`.
package tools

import (
	_ "github.com/sigstore/cosign/v3/cmd/cosign"
)
