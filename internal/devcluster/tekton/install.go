package tekton

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// DefaultTimeout bounds each wait of Install: CRDs, Deployments, admission.
const DefaultTimeout = 5 * time.Minute

// InstallOptions say where Install builds, pushes and applies.
type InstallOptions struct {
	// Kubeconfig is the kubeconfig file of the cluster. Required unless RESTConfig is set.
	Kubeconfig string
	// RESTConfig, when set, connects to the cluster instead of Kubeconfig.
	RESTConfig *rest.Config
	// Registry is where the images are pushed and named, e.g. 127.0.0.1:5000. Required unless
	// Images is set.
	Registry string
	// Images, when set, are installed as they are and nothing is built.
	Images Images
	// SourceDir is the root of the Kubernaut source tree; found from the working directory when empty.
	SourceDir string
	// CacheDir keeps the built binaries; <SourceDir>/bin/tekton when empty.
	CacheDir string
	// ShellImage replaces upstream's -shell-image (see RenderOptions); "" keeps it.
	ShellImage string
	// Insecure allows plain HTTP to registries other than loopback and private addresses.
	Insecure bool
	// Keychain authenticates the pushes; authn.DefaultKeychain when nil.
	Keychain authn.Keychain
	// Timeout bounds each wait; DefaultTimeout when zero.
	Timeout time.Duration
	// Progress receives one line per step, with the time since Install began; discarded when nil.
	Progress io.Writer
}

// Installed says what Install did and how long each part took.
type Installed struct {
	// Images are the digest references the Deployments and TaskRun pods run.
	Images Images
	// ModuleDir is the directory of Tekton's module whose config/ was applied.
	ModuleDir string
	// Applied lists the applied objects as Kind/name or Kind/namespace/name.
	Applied []string
	// Build, Apply, Available and Admission are the durations of the four steps: building and
	// pushing, rendering and applying (with the CRDs established), waiting for the Deployments,
	// and proving that admission works.
	Build, Apply, Available, Admission time.Duration
	// Elapsed is the whole of Install.
	Elapsed time.Duration
}

// Install builds Tekton Pipelines (see Build), renders its config/ (see Render), applies it with
// server-side apply (field manager kubernaut-dev; namespaces, then CRDs, waited for until
// Established, then the rest, Deployments last), waits until the controller, webhook, events
// controller and remote resolvers are available, and proves with server-side dry-run creates
// that Tekton's admission webhook validates Tasks. Running it again changes nothing: the images
// are reproducible and server-side apply of the same objects is a no-op.
func Install(ctx context.Context, opts InstallOptions) (*Installed, error) {
	began := time.Now()
	rc, err := opts.restConfig()
	if err != nil {
		return nil, err
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	res := &Installed{Images: opts.Images}
	step := time.Now()
	if res.Images == nil {
		res.Images, err = Build(ctx, BuildOptions{Registry: opts.Registry, SourceDir: opts.SourceDir, CacheDir: opts.CacheDir,
			Insecure: opts.Insecure, Keychain: opts.Keychain, Progress: opts.Progress})
		if err != nil {
			return nil, err
		}
	}
	res.Build = time.Since(step)
	step = time.Now()
	if res.ModuleDir, err = ModuleDir(ctx, opts.SourceDir); err != nil {
		return nil, err
	}
	objs, err := Render(res.ModuleDir, res.Images, RenderOptions{ShellImage: opts.ShellImage, FeatureFlags: RestrictedFeatureFlags})
	if err != nil {
		return nil, err
	}
	cl, err := newClients(rc)
	if err != nil {
		return nil, err
	}
	if res.Applied, err = cl.applyAll(ctx, objs, opts.Timeout); err != nil {
		return nil, err
	}
	res.Apply = time.Since(step)
	opts.progressf(began, "applied %d objects from %s/config, CRDs established (%.1fs)", len(res.Applied), res.ModuleDir, res.Apply.Seconds())
	step = time.Now()
	if err := cl.waitAvailable(ctx, began, opts.Timeout, opts.Progress); err != nil {
		return nil, err
	}
	res.Available = time.Since(step)
	step = time.Now()
	if err := cl.checkAdmission(ctx, opts.Timeout); err != nil {
		return nil, err
	}
	res.Admission = time.Since(step)
	res.Elapsed = time.Since(began)
	opts.progressf(began, "admission webhook validates Tasks (%.1fs)", res.Admission.Seconds())
	return res, nil
}

// restConfig returns RESTConfig, or loads Kubeconfig.
func (o *InstallOptions) restConfig() (*rest.Config, error) {
	if o.RESTConfig != nil {
		return rest.CopyConfig(o.RESTConfig), nil
	}
	if o.Kubeconfig == "" {
		return nil, errors.New("tekton install: option Kubeconfig (or RESTConfig) is required")
	}
	rc, err := clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", o.Kubeconfig, err)
	}
	return rc, nil
}

// progressf writes one progress line stamped with the time since began.
func (o *InstallOptions) progressf(began time.Time, format string, args ...any) {
	progressf(o.Progress, "tekton: +%.1fs "+format, append([]any{time.Since(began).Seconds()}, args...)...)
}
