package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/kubernaut/kubernaut/internal/signing"
)

func newGenerateKeyPairCommand(s streams) *cobra.Command {
	var prefix string
	var force bool
	cmd := &cobra.Command{
		Use:   "generate-key-pair",
		Short: "Write a cosign-compatible key pair (PREFIX.key encrypted, PREFIX.pub)",
		Long: `Writes an ECDSA P-256 key pair in cosign's formats: the private key encrypted with the
password from $COSIGN_PASSWORD (or asked on the terminal), the public key as PEM. Both cosign and
kubernaut read them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return generateKeyPair(s, prefix, force)
		},
	}
	cmd.Flags().StringVar(&prefix, "output-key-prefix", "cosign", "path prefix of the key files")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite existing key files")
	return cmd
}

func generateKeyPair(s streams, prefix string, force bool) error {
	privPath, pubPath := prefix+".key", prefix+".pub"
	if !force {
		for _, p := range []string{privPath, pubPath} {
			if _, err := os.Stat(p); err == nil {
				return fmt.Errorf("%s already exists; use --force to overwrite it", p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	password, err := readPassword(s, true)
	if err != nil {
		return err
	}
	kp, err := signing.GenerateKeyPair(password)
	if err != nil {
		return err
	}
	if err := os.WriteFile(privPath, kp.PrivatePEM, 0o600); err != nil {
		return fmt.Errorf("writing private key: %w", err)
	}
	if err := os.WriteFile(pubPath, kp.PublicPEM, 0o644); err != nil {
		return fmt.Errorf("writing public key: %w", err)
	}
	fmt.Fprintf(s.err, "Private key written to %s\nPublic key written to %s\n", privPath, pubPath)
	return nil
}
