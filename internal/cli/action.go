package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubernaut/kubernaut/internal/image"
	"github.com/kubernaut/kubernaut/internal/registry"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

func newActionCommand(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "action",
		Short: "Build and publish action images",
	}
	cmd.AddCommand(newActionBuildCommand(s), newActionPublishCommand(s))
	return cmd
}

func newActionBuildCommand(s streams) *cobra.Command {
	var opts image.PublishOptions
	cmd := &cobra.Command{
		Use:   "build --entrypoint FILE --contract FILE --tag REPO:TAG",
		Short: "Build an action image without Docker, push it and print REPO@sha256:…",
		Long: `Builds an OCI image holding FILE at /action-entrypoint (the ENTRYPOINT) and the contract at
/action-contract.yaml, running as a non-root user, labelled with the contract's name and version.
The contract is validated first: an invalid contract builds nothing. The same inputs always give
the same digest (timestamps come from $SOURCE_DATE_EPOCH, else the Unix epoch).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.EntrypointFile == "" || opts.ContractFile == "" || opts.Tag == "" {
				return usagef("--entrypoint, --contract and --tag are required")
			}
			kc, err := registry.NewKeychain()
			if err != nil {
				return err
			}
			opts.Keychain = kc
			ref, err := image.BuildAndPublish(cmd.Context(), opts)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(s.out, ref)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.EntrypointFile, "entrypoint", "", "the action's executable (a static binary, or a script when --base has its interpreter)")
	f.StringVar(&opts.ContractFile, "contract", "", "the action contract file")
	f.StringVar(&opts.Tag, "tag", "", "REPO:TAG to push to")
	f.StringVar(&opts.Base, "base", "", "base image (default: none, scratch)")
	f.StringVar(&opts.ContractPath, "contract-path", contract.DefaultPath, "where the contract goes in the image")
	f.StringVar(&opts.Architecture, "arch", "", "image architecture (default: the base's, else amd64)")
	f.StringVar(&opts.OCILayout, "oci-layout", "", "also write the image into this OCI image layout directory")
	f.BoolVar(&opts.Push, "push", true, "push the image to the registry of --tag")
	return cmd
}
