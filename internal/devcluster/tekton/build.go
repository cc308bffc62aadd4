package tekton

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/image"
	"github.com/kubernaut/kubernaut/internal/registry"
)

// koEnv is the environment ko gives every image it builds; Tekton's images have it upstream.
var koEnv = []string{"KO_DATA_PATH=/var/run/ko", "SSL_CERT_DIR=/etc/ssl/certs"}

// koAppDir is where ko puts binaries. Tekton's controller hard-codes /ko-app/entrypoint,
// /ko-app/sidecarlogresults and /ko-app/workingdirinit as the commands of the containers it adds
// to TaskRun pods, so the images must have exactly this layout.
const koAppDir = "/ko-app"

// BuildOptions say where Build compiles and pushes.
type BuildOptions struct {
	// Registry is the registry host (with an optional path) to push to, e.g. 127.0.0.1:5000.
	Registry string
	// SourceDir is the root of the Kubernaut source tree; found from the working directory when empty.
	SourceDir string
	// CacheDir keeps the binaries and the record of pushed images; <SourceDir>/bin/tekton when empty.
	CacheDir string
	// Insecure allows plain HTTP to registries other than loopback and private addresses.
	Insecure bool
	// Keychain authenticates the pushes; authn.DefaultKeychain (the docker config) when nil.
	Keychain authn.Keychain
	// Progress receives one line per step with its duration; discarded when nil.
	Progress io.Writer
}

// Images are the digest references of the commands' images, by command name (see Commands):
// <registry>/tekton/<command>:<Version>@sha256:….
type Images map[string]string

// check fails naming every command without an image.
func (im Images) check() error {
	var missing []string
	for _, c := range Commands {
		if im[c] == "" {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no image for the Tekton command(s) %s", strings.Join(missing, ", "))
	}
	return nil
}

// Build compiles the Tekton commands from hack/tekton (static, -trimpath, stripped) into
// CacheDir, packages each one as ko would (the binary at /ko-app/<command>, its entrypoint,
// user 65532, ko's environment, /tmp), and pushes it as <Registry>/tekton/<command>:<Version>.
// Images are reproducible, and an image whose binary has not changed and whose digest the
// registry still holds is neither rebuilt nor pushed, so a warm Build takes seconds.
func Build(ctx context.Context, opts BuildOptions) (Images, error) {
	if opts.Registry == "" {
		return nil, errors.New("tekton build: no registry given to push the images to")
	}
	modDir, err := toolsModule(opts.SourceDir)
	if err != nil {
		return nil, err
	}
	if opts.CacheDir == "" {
		opts.CacheDir = filepath.Join(filepath.Dir(filepath.Dir(modDir)), "bin", "tekton")
	}
	if opts.Keychain == nil {
		opts.Keychain = authn.DefaultKeychain
	}
	binDir := filepath.Join(opts.CacheDir, Version, "linux-"+runtime.GOARCH)
	began := time.Now()
	if err := compileCommands(ctx, modDir, binDir); err != nil {
		return nil, err
	}
	progressf(opts.Progress, "tekton: compiled %d commands into %s in %.1fs", len(Commands), binDir, time.Since(began).Seconds())
	index, err := loadIndex(opts.CacheDir)
	if err != nil {
		return nil, err
	}
	images := Images{}
	for _, c := range Commands {
		if images[c], err = packageAndPush(ctx, &opts, index, c, filepath.Join(binDir, c)); err != nil {
			return nil, err
		}
	}
	if err := index.save(); err != nil {
		return nil, err
	}
	progressf(opts.Progress, "tekton: %d images in %s in %.1fs", len(images), opts.Registry, time.Since(began).Seconds())
	return images, nil
}

// compileCommands builds every command in one `go build`, so the Go command schedules the shared
// packages once. The output files' build IDs let a warm build skip linking too.
func compileCommands(ctx context.Context, modDir, binDir string) error {
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return fmt.Errorf("tekton build: %w", err)
	}
	args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", binDir + string(filepath.Separator)}
	for _, c := range Commands {
		args = append(args, ModulePath+"/cmd/"+c)
	}
	goBin, err := goCommand()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = modDir
	// GOFLAGS could carry -mod=vendor or the like from the caller's environment; the tools
	// module is built exactly as its go.mod says.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build of Tekton %s in %s: %w\n%s", Version, modDir, err, out)
	}
	return nil
}

// packageAndPush returns the digest reference of command's image, building and pushing it only
// when the index has no image of this binary that the registry still holds.
func packageAndPush(ctx context.Context, opts *BuildOptions, index *imageIndex, command, binary string) (string, error) {
	began := time.Now()
	var nameOpts []name.Option
	if opts.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	refText := strings.TrimSuffix(opts.Registry, "/") + "/" + RepositoryPrefix + "/" + command + ":" + Version
	tag, err := name.NewTag(refText, nameOpts...)
	if err != nil {
		return "", fmt.Errorf("image reference %q: %w", refText, err)
	}
	key, err := index.key(binary)
	if err != nil {
		return "", err
	}
	remoteOpts := registry.RemoteOptions(ctx, opts.Keychain, nil)
	if digest := index.Images[command]; digest.Key == key && digest.Digest != "" {
		ref := tag.Context().Digest(digest.Digest)
		if _, err := remote.Head(ref, remoteOpts...); err == nil {
			progressf(opts.Progress, "tekton: %-18s unchanged %s (%.1fs)", command, digest.Digest, time.Since(began).Seconds())
			return withTag(tag, digest.Digest), nil
		}
	}
	place := image.BinaryPlacement{Path: koAppDir + "/" + command, Env: koEnv}
	img, err := image.BuildBinaryAt(ctx, binary, place, image.BuildOptions{Architecture: runtime.GOARCH})
	if err != nil {
		return "", fmt.Errorf("building the Tekton %s image: %w", command, err)
	}
	pushed, err := image.Push(ctx, img, tag, remoteOpts...)
	if err != nil {
		return "", err
	}
	index.Images[command] = indexEntry{Key: key, Digest: pushed.DigestStr()}
	progressf(opts.Progress, "tekton: %-18s pushed %s (%.1fs)", command, pushed.DigestStr(), time.Since(began).Seconds())
	return withTag(tag, pushed.DigestStr()), nil
}

// withTag names an image by tag and digest, as ko does: the tag tells people what it is, the
// digest is what the kubelet pulls.
func withTag(tag name.Tag, digest string) string {
	return tag.Name() + "@" + digest
}

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}
