//go:build tools

// Package tools pins actionlint, the linter of the GitHub Actions workflows in .github/workflows.
// It lives in its own module so that actionlint's dependencies never enter Kubernaut's go.mod: it
// is a lint tool, not a runtime dependency. Build it with `make lint-workflows`.
package tools

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
