// Package image builds action images without Docker: the entrypoint and the contract go into one
// reproducible layer on scratch (or on a base image), with a non-root user, a fixed entrypoint and
// OCI labels taken from the contract. Same inputs give the same digest.
package image

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/kubernaut/kubernaut/sdk/contract"
)

// Fixed places and identities inside every action image.
const (
	// EntrypointPath is where the action's executable lives; it is the image's ENTRYPOINT.
	EntrypointPath = "/action-entrypoint"
	// User is the non-root user the action runs as. It is numeric so that no /etc/passwd is
	// needed and Kubernetes can check runAsNonRoot against the image.
	User = "65532:65532"
	// DefaultArchitecture is used on scratch when no architecture is asked for.
	DefaultArchitecture = "amd64"
)

// Labels written on every action image.
const (
	LabelTitle        = "org.opencontainers.image.title"
	LabelVersion      = "org.opencontainers.image.version"
	LabelBaseDigest   = "org.opencontainers.image.base.digest"
	LabelBaseName     = "org.opencontainers.image.base.name"
	LabelContractPath = "ai.kubernaut.action.contract-path"
	LabelActionName   = "ai.kubernaut.action.name"
)

// BuildOptions are the inputs of an action image. Everything that influences the digest is here
// or in the files named here; the environment only contributes SOURCE_DATE_EPOCH.
type BuildOptions struct {
	// EntrypointFile is the executable on disk that becomes /action-entrypoint (mode 0755).
	EntrypointFile string
	// ContractFile is the contract on disk. It is parsed before anything is built.
	ContractFile string
	// ContractPath is where the contract goes in the image; "" means contract.DefaultPath.
	ContractPath string
	// Base is the image to build on; "" means scratch. It is pulled from its registry and pinned
	// by digest in the image's labels.
	Base string
	// Architecture of the image. "" means the base's architecture, or amd64 on scratch. With a
	// multi-platform base it selects linux/<Architecture> (default amd64).
	Architecture string
	// Epoch is every timestamp in the image. nil means $SOURCE_DATE_EPOCH when set, else the
	// Unix epoch, so that rebuilding the same inputs gives the same digest.
	Epoch *time.Time
	// Keychain authenticates registry calls; nil means anonymous.
	Keychain authn.Keychain
	// Transport carries registry calls; nil means remote.DefaultTransport.
	Transport http.RoundTripper
	// Insecure allows plain HTTP to registries other than localhost, loopback and private
	// addresses (for which go-containerregistry already falls back to HTTP).
	Insecure bool
}

// Build assembles the action image described by opts. Nothing is pushed or written.
func Build(ctx context.Context, opts BuildOptions) (v1.Image, error) {
	c, rawContract, err := readContract(opts.ContractFile)
	if err != nil {
		return nil, err
	}
	entrypoint, err := readEntrypoint(opts.EntrypointFile)
	if err != nil {
		return nil, err
	}
	contractPath, err := resolveContractPath(opts.ContractPath)
	if err != nil {
		return nil, err
	}
	epoch, err := resolveEpoch(opts.Epoch)
	if err != nil {
		return nil, err
	}
	base, err := loadBase(ctx, opts)
	if err != nil {
		return nil, err
	}
	layer, err := actionLayer([]layerFile{
		{path: EntrypointPath, mode: 0o755, data: entrypoint},
		{path: contractPath, mode: 0o644, data: rawContract},
	}, epoch)
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(base.image, mutate.Addendum{
		Layer: layer,
		History: v1.History{
			Created:   v1.Time{Time: epoch},
			CreatedBy: "kubernaut action build",
			Comment:   fmt.Sprintf("action %s %s: %s and %s", c.Metadata.Name, c.Metadata.Version, EntrypointPath, contractPath),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("adding the action layer: %w", err)
	}
	return withActionConfig(img, c, contractPath, epoch, base)
}

// withActionConfig sets what makes the image an action image: entrypoint, user, platform,
// timestamps and labels.
func withActionConfig(img v1.Image, c *contract.ActionContract, contractPath string, epoch time.Time, base *baseImage) (v1.Image, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the image config: %w", err)
	}
	cfg := cf.DeepCopy()
	cfg.OS = "linux"
	cfg.Architecture = base.architecture
	cfg.Variant = base.variant
	cfg.Created = v1.Time{Time: epoch}
	cfg.Config.Entrypoint = []string{EntrypointPath}
	cfg.Config.Cmd = nil
	cfg.Config.User = User
	labels := map[string]string{}
	for k, v := range cfg.Config.Labels {
		labels[k] = v
	}
	labels[LabelTitle] = c.Metadata.Name
	labels[LabelVersion] = c.Metadata.Version
	labels[LabelActionName] = c.Metadata.Name
	labels[LabelContractPath] = contractPath
	if base.name != "" {
		labels[LabelBaseName] = base.name
		labels[LabelBaseDigest] = base.digest.String()
	}
	cfg.Config.Labels = labels
	out, err := mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, fmt.Errorf("setting the image config: %w", err)
	}
	return out, nil
}

// readContract parses the contract strictly: an invalid contract must build nothing.
func readContract(file string) (*contract.ActionContract, []byte, error) {
	if file == "" {
		return nil, nil, errors.New("contract file: no path given")
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("contract file: %w", err)
	}
	c, err := contract.Parse(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("contract file %s: %w", file, err)
	}
	// The labels are made from these; Parse checks them too, but an image must never carry
	// empty title or version labels whatever Parse accepts.
	if c.Metadata.Name == "" || c.Metadata.Version == "" {
		return nil, nil, fmt.Errorf("contract file %s: metadata.name and metadata.version are required to label the image", file)
	}
	return c, raw, nil
}

// readEntrypoint reads the executable, following symlinks; it must end at a regular file.
func readEntrypoint(file string) ([]byte, error) {
	if file == "" {
		return nil, errors.New("entrypoint file: no path given")
	}
	fi, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("entrypoint file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("entrypoint file %s: is a %s, not a regular file", file, fileKind(fi.Mode()))
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("entrypoint file: %w", err)
	}
	return data, nil
}

func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeDevice != 0:
		return "device"
	default:
		return "special file"
	}
}

// resolveContractPath checks the in-image contract path. /tmp is refused because action pods
// mount an emptyDir there, which would hide the file from the running action.
func resolveContractPath(p string) (string, error) {
	if p == "" {
		return contract.DefaultPath, nil
	}
	switch {
	case !path.IsAbs(p) || path.Clean(p) != p:
		return "", fmt.Errorf("contract path %q: must be an absolute, clean path such as %q", p, contract.DefaultPath)
	case p == "/" || p == EntrypointPath:
		return "", fmt.Errorf("contract path %q: collides with the root or the entrypoint", p)
	case p == "/tmp" || strings.HasPrefix(p, "/tmp/"):
		return "", fmt.Errorf("contract path %q: /tmp is an emptyDir in action pods and would hide the contract", p)
	}
	return p, nil
}

// resolveEpoch follows https://reproducible-builds.org/specs/source-date-epoch/.
func resolveEpoch(epoch *time.Time) (time.Time, error) {
	if epoch != nil {
		return epoch.UTC(), nil
	}
	s, ok := os.LookupEnv("SOURCE_DATE_EPOCH")
	if !ok || s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	secs, err := strconv.ParseInt(s, 10, 64)
	if err != nil || secs < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want a non-negative number of seconds since the Unix epoch", s)
	}
	return time.Unix(secs, 0).UTC(), nil
}
