package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubernaut/kubernaut/internal/devcluster/deploy"
)

func newDevManagerImageCommand() *cobra.Command {
	var registry string
	var opts deploy.ImageOptions
	cmd := &cobra.Command{
		Use:   "manager-image",
		Short: "Build cmd/manager into an image with Kubernaut's builder, push it and print its digest reference",
		Long: `Compiles cmd/manager (static, reproducible) onto scratch as a non-root entrypoint with
Kubernaut's own image builder, pushes it as <registry>/kubernaut/manager:<tag> and prints the
digest reference, the value to deploy:

  cd config/manager && kustomize edit set image kubernaut-manager=<printed reference>

Credentials come from the docker config (~/.docker/config.json). Loopback and private addresses
are reached over plain HTTP; --insecure allows it for any registry.`,
		Example: `  kubernaut dev manager-image --registry ghcr.io/acme
  kubernaut dev manager-image --registry registry.lab:5000/kubernaut --insecure`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if registry == "" {
				return usagef("--registry is required (a registry host with an optional path, e.g. ghcr.io/acme)")
			}
			ref, err := deploy.BuildManagerImage(cmd.Context(), registry, opts)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), ref)
			return nil
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&registry, "registry", "", "registry host and optional path to push to (required)")
	flags.StringVar(&opts.Tag, "tag", deploy.DefaultTag, "tag to push the image under")
	flags.BoolVar(&opts.Insecure, "insecure", false, "allow plain HTTP to the registry")
	flags.StringVar(&opts.SourceDir, "source", "", "root of the Kubernaut source tree (default: found from the working directory)")
	return cmd
}
