package cli

import (
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/kubernaut/kubernaut/internal/signing"
)

type signFlags struct {
	key         string
	format      string
	annotations map[string]string
}

func newSignCommand(s streams) *cobra.Command {
	var f signFlags
	cmd := &cobra.Command{
		Use:   "sign --key KEY IMAGE@DIGEST",
		Short: "Sign an image digest with a key, as cosign does",
		Long: `Signs IMAGE@DIGEST with a private key (cosign's encrypted format or plain PEM; the password
comes from $COSIGN_PASSWORD or the terminal). The default format is a Sigstore bundle attached as
an OCI referrer (cosign v3); --format legacy writes cosign v2's sha256-<hex>.sig tag instead.
Only digest references are signed: a tag could move between signing and use.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return signImage(cmd, s, f, args[0])
		},
	}
	cmd.Flags().StringVar(&f.key, "key", "", "private key file (required)")
	cmd.Flags().StringVar(&f.format, "format", string(signing.FormatBundle), "signature format: bundle or legacy")
	cmd.Flags().StringToStringVarP(&f.annotations, "annotations", "a", nil, "extra key=value annotations to sign")
	return cmd
}

func signImage(cmd *cobra.Command, s streams, f signFlags, image string) error {
	if f.key == "" {
		return usagef("--key is required")
	}
	format := signing.Format(f.format)
	if format != signing.FormatBundle && format != signing.FormatLegacy {
		return usagef("--format must be bundle or legacy, not %q", f.format)
	}
	ref, err := name.NewDigest(image)
	if err != nil {
		return usagef("IMAGE must be a digest reference (REPO@sha256:...): %v", err)
	}
	pemBytes, err := os.ReadFile(f.key)
	if err != nil {
		return fmt.Errorf("reading --key: %w", err)
	}
	password, err := readPassword(s, false)
	if err != nil {
		return err
	}
	signer, err := signing.LoadPrivateKey(pemBytes, password)
	if err != nil {
		return fmt.Errorf("loading --key %s: %w", f.key, err)
	}
	remoteOpts, err := remoteOptions(cmd.Context())
	if err != nil {
		return err
	}
	sig, err := signing.Sign(cmd.Context(), ref, signer, signing.Options{
		Format: format, Remote: remoteOpts, Annotations: f.annotations,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(s.err, "Signed %s (%s signature at %s)\n", ref, sig.Format, sig.Ref)
	return nil
}
