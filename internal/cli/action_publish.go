package cli

import (
	"crypto"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/spf13/cobra"

	"github.com/kubernaut/kubernaut/internal/catalog"
	"github.com/kubernaut/kubernaut/internal/image"
	"github.com/kubernaut/kubernaut/internal/signing"
)

type publishFlags struct {
	registry, key, keyPrefix, source, outputDir, format, arch string
}

func newActionPublishCommand(s streams) *cobra.Command {
	var f publishFlags
	cmd := &cobra.Command{
		Use:   "publish --registry HOST[:PORT][/PATH]",
		Short: "Build, push and sign every built-in action and write the action registry",
		Long: `Finds every action under SOURCE/actions/<group>/<name>/, builds it with the project's image
builder, pushes it to REGISTRY/<group>/<name>:<contract version>, signs the pushed digest, and
writes into OUTPUT-DIR a kustomization with the action registry ConfigMap (every action by
digest, strict verification) and the Secret holding the public key it trusts.

The key is --key (cosign's format; password from $COSIGN_PASSWORD or the terminal). Without
--key, the key pair at --generated-key-prefix is used, and generated there first when absent
(password from $COSIGN_PASSWORD, which may be empty), so that repeated runs sign with one key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return publishActions(cmd, s, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.registry, "registry", "", "where the images go, HOST[:PORT][/PATH] (required)")
	fl.StringVar(&f.key, "key", "", "private key to sign with (default: the generated key)")
	fl.StringVar(&f.keyPrefix, "generated-key-prefix", filepath.Join("bin", "actions-signing", "cosign"), "key pair used, and generated when absent, without --key")
	fl.StringVar(&f.source, "source", ".", "the source tree holding actions/")
	fl.StringVar(&f.outputDir, "output-dir", filepath.Join("config", "actions"), "where the registry ConfigMap, key Secret and kustomization go")
	fl.StringVar(&f.format, "format", string(signing.FormatBundle), "signature format: bundle or legacy")
	fl.StringVar(&f.arch, "arch", "", "image architecture (default: this machine's)")
	return cmd
}

func publishActions(cmd *cobra.Command, s streams, f publishFlags) error {
	if f.registry == "" {
		return usagef("--registry is required")
	}
	format := signing.Format(f.format)
	if format != signing.FormatBundle && format != signing.FormatLegacy {
		return usagef("--format must be bundle or legacy, not %q", f.format)
	}
	actions, err := catalog.Discover(f.source)
	if err != nil {
		return err
	}
	signer, publicPEM, err := publishKey(s, f)
	if err != nil {
		return err
	}
	remoteOpts, err := remoteOptions(cmd.Context())
	if err != nil {
		return err
	}
	published, err := catalog.Publish(cmd.Context(), actions, catalog.PublishOptions{
		Registry: f.registry, Build: image.BuildOptions{Architecture: f.arch},
		Signer: signer, Format: format, Remote: remoteOpts, Progress: s.err,
	})
	if err != nil {
		return err
	}
	return writePublished(s, f.outputDir, published, publicPEM)
}

// publishKey loads --key, or the generated key pair (creating it on first use).
func publishKey(s streams, f publishFlags) (crypto.Signer, []byte, error) {
	privPath, pubPath := f.key, ""
	if privPath == "" {
		privPath, pubPath = f.keyPrefix+".key", f.keyPrefix+".pub"
		if err := generateKeyOnce(s, privPath, pubPath); err != nil {
			return nil, nil, err
		}
	}
	privPEM, err := os.ReadFile(privPath)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the signing key: %w", err)
	}
	password := []byte(os.Getenv(passwordEnv))
	if f.key != "" {
		if password, err = readPassword(s, false); err != nil {
			return nil, nil, err
		}
	}
	signer, err := signing.LoadPrivateKey(privPEM, password)
	if err != nil {
		return nil, nil, fmt.Errorf("loading the signing key %s: %w", privPath, err)
	}
	publicPEM, err := publicKeyPEM(signer, pubPath)
	return signer, publicPEM, err
}

// generateKeyOnce writes a key pair unless the private key exists already.
func generateKeyOnce(s streams, privPath, pubPath string) error {
	if _, err := os.Stat(privPath); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	kp, err := signing.GenerateKeyPair([]byte(os.Getenv(passwordEnv)))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(privPath), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(privPath, kp.PrivatePEM, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(pubPath, kp.PublicPEM, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(s.err, "Generated signing key pair %s, %s\n", privPath, pubPath)
	return nil
}

// publicKeyPEM returns the public key of signer: from pubPath when given, checked to match,
// else encoded from the private key.
func publicKeyPEM(signer crypto.Signer, pubPath string) ([]byte, error) {
	if pubPath != "" {
		pem, err := os.ReadFile(pubPath)
		if err != nil {
			return nil, fmt.Errorf("reading the public key: %w", err)
		}
		pub, err := signing.LoadPublicKey(pem)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pubPath, err)
		}
		if signing.KeyID(pub) != signing.KeyID(signer.Public()) {
			return nil, fmt.Errorf("%s does not belong to the private key next to it", pubPath)
		}
		return pem, nil
	}
	return cryptoutils.MarshalPublicKeyToPEM(signer.Public())
}

// kustomizationYAML applies the registry and the key Secret together: `kubectl apply -k DIR`.
const kustomizationYAML = `# Written by kubernaut action publish: the action registry listing every built-in action by the
# digest that was pushed and signed, and the public key that verifies them.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - action_registry.yaml
  - cosign_pub_secret.yaml
`

// writePublished writes the registry ConfigMap, the key Secret, the public key and a
// kustomization into dir, then prints the summary and the paths.
func writePublished(s streams, dir string, published []catalog.Published, publicPEM []byte) error {
	registryYAML, err := catalog.RegistryConfigMap(published, catalog.RegistryOptions{})
	if err != nil {
		return err
	}
	secretYAML, err := catalog.PublicKeySecret(publicPEM, catalog.RegistryOptions{})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string][]byte{
		"action_registry.yaml":   registryYAML,
		"cosign_pub_secret.yaml": secretYAML,
		"cosign.pub":             publicPEM,
		"kustomization.yaml":     []byte(kustomizationYAML),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			return err
		}
	}
	var total int64
	for _, p := range published {
		total += p.Size
	}
	fmt.Fprintf(s.out, "Published and signed %d actions (%.1f MiB in total).\n", len(published), float64(total)/(1<<20))
	fmt.Fprintf(s.out, "Registry ConfigMap: %s\n", filepath.Join(dir, "action_registry.yaml"))
	fmt.Fprintf(s.out, "Public key:         %s\n", filepath.Join(dir, "cosign.pub"))
	fmt.Fprintf(s.out, "Install both:       kubectl apply -k %s\n", dir)
	return nil
}
