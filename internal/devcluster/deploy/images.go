package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/kubernaut/kubernaut/internal/image"
	"github.com/kubernaut/kubernaut/internal/registry"
)

// Where the images go below the registry prefix, and the tag they are pushed under. Pods always
// run them by digest; the tag only lets people find the latest push.
const (
	ManagerRepository   = "kubernaut/manager"
	ForwarderRepository = "kubernaut/registry-forwarder"
	DefaultTag          = "dev"
)

// modulePath identifies the source tree the images are built from.
const modulePath = "github.com/kubernaut/kubernaut"

// ImageOptions tune how the images are built and pushed. The zero value builds from the source
// tree above the working directory and pushes to the registry with the docker config's
// credentials, over HTTPS except to loopback and private addresses.
type ImageOptions struct {
	// SourceDir is the root of the Kubernaut source tree; found from the working directory when empty.
	SourceDir string
	// Tag is the tag pushed; DefaultTag when empty.
	Tag string
	// Insecure allows plain HTTP to registries other than loopback and private addresses.
	Insecure bool
	// Keychain authenticates the push; authn.DefaultKeychain (the docker config) when nil.
	Keychain authn.Keychain
}

// Images are the digest references of the images Deploy runs.
type Images struct {
	// Manager is <registry>/kubernaut/manager@sha256:….
	Manager string
	// Forwarder is <registry>/kubernaut/registry-forwarder@sha256:…; dev clusters only.
	Forwarder string
}

// BuildManagerImage compiles cmd/manager with the project's image builder (a static binary as the
// non-root entrypoint of a scratch image, reproducibly) and pushes it as
// <registry>/kubernaut/manager:<tag>, returning the digest reference to deploy. registry is a
// registry host with an optional path, e.g. 127.0.0.1:5000 or ghcr.io/acme.
func BuildManagerImage(ctx context.Context, registry string, opts ImageOptions) (string, error) {
	return buildAndPush(ctx, registry, ManagerRepository, filepath.Join("cmd", "manager"), "manager", opts)
}

// BuildForwarderImage does the same for the dev cluster's registry forwarder
// (internal/devcluster/forwarder), pushed as <registry>/kubernaut/registry-forwarder:<tag>.
func BuildForwarderImage(ctx context.Context, registry string, opts ImageOptions) (string, error) {
	return buildAndPush(ctx, registry, ForwarderRepository, filepath.Join("internal", "devcluster", "forwarder"),
		"kubernaut-registry-forwarder", opts)
}

// BuildDevImages builds and pushes both images a dev cluster deployment runs.
func BuildDevImages(ctx context.Context, registry string, opts ImageOptions) (Images, error) {
	manager, err := BuildManagerImage(ctx, registry, opts)
	if err != nil {
		return Images{}, err
	}
	forwarder, err := BuildForwarderImage(ctx, registry, opts)
	if err != nil {
		return Images{}, err
	}
	return Images{Manager: manager, Forwarder: forwarder}, nil
}

func buildAndPush(ctx context.Context, registryPrefix, repo, pkg, binary string, opts ImageOptions) (string, error) {
	if registryPrefix == "" {
		return "", errors.New("no registry given to push the " + binary + " image to")
	}
	tagName := opts.Tag
	if tagName == "" {
		tagName = DefaultTag
	}
	var nameOpts []name.Option
	if opts.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	ref := strings.TrimSuffix(registryPrefix, "/") + "/" + repo + ":" + tagName
	tag, err := name.NewTag(ref, nameOpts...)
	if err != nil {
		return "", fmt.Errorf("image reference %q: %w", ref, err)
	}
	src, err := sourceDir(opts.SourceDir)
	if err != nil {
		return "", err
	}
	img, err := image.BuildGoBinary(ctx, filepath.Join(src, pkg), binary, image.BuildOptions{})
	if err != nil {
		return "", fmt.Errorf("building the %s image: %w", binary, err)
	}
	keychain := opts.Keychain
	if keychain == nil {
		keychain = authn.DefaultKeychain
	}
	digest, err := image.Push(ctx, img, tag, registry.RemoteOptions(ctx, keychain, nil)...)
	if err != nil {
		return "", err
	}
	return digest.String(), nil
}

func sourceDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	return FindSourceRoot()
}

// FindSourceRoot returns the root of the Kubernaut source tree that contains the working
// directory: the images and config/default are built from source.
func FindSourceRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the source tree: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil &&
			strings.HasPrefix(string(data), "module "+modulePath+"\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("find the source tree: no %s module above %s; run from the repository or pass its directory", modulePath, wd)
		}
	}
}
