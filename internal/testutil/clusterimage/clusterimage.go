// Package clusterimage builds project binaries into images with the project's own builder
// (internal/image) and pushes them to the dev cluster's local registry, so end-to-end tests run
// exactly what the project ships and nothing comes from the internet.
package clusterimage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/kubernaut/kubernaut/internal/image"
)

// RegistryEnv names the variable `kubernaut dev cluster env` sets to the local registry.
const RegistryEnv = "KUBERNAUT_REGISTRY"

// ErrNoRegistry reports that no registry was given and RegistryEnv is unset.
var ErrNoRegistry = errors.New("no registry: pass one or set " + RegistryEnv + " (eval \"$(kubernaut dev cluster env)\")")

// Registry returns the local registry's host:port from RegistryEnv.
func Registry() (string, error) {
	if r := os.Getenv(RegistryEnv); r != "" {
		return r, nil
	}
	return "", ErrNoRegistry
}

// PushGoAction compiles the Go main package in pkgDir with its contract
// (pkgDir/action-contract.yaml) into an action image and pushes it to registry as repo:tag.
// It returns the digest reference pods should use, so a test never runs a stale tag.
func PushGoAction(ctx context.Context, registry, repo, tag, pkgDir string) (string, error) {
	dir, err := filepath.Abs(pkgDir)
	if err != nil {
		return "", fmt.Errorf("action package %s: %w", pkgDir, err)
	}
	img, err := image.BuildGoAction(ctx, dir, filepath.Join(dir, "action-contract.yaml"), image.BuildOptions{})
	if err != nil {
		return "", fmt.Errorf("build action %s: %w", pkgDir, err)
	}
	ref, err := name.NewTag(registry+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		return "", fmt.Errorf("image reference for %s: %w", pkgDir, err)
	}
	digest, err := image.Push(ctx, img, ref)
	if err != nil {
		return "", fmt.Errorf("push action %s: %w", pkgDir, err)
	}
	return digest.String(), nil
}
