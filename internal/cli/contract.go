package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/cobra"

	"github.com/kubernaut/kubernaut/internal/imagecontract"
	"github.com/kubernaut/kubernaut/internal/registry"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

func newContractCommand(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contract",
		Short: "Inspect, lint and compare action contracts",
	}
	cmd.AddCommand(newContractShowCommand(s), newContractLintCommand(s), newContractDiffCommand(s))
	return cmd
}

func newContractShowCommand(s streams) *cobra.Command {
	var path, output string
	cmd := &cobra.Command{
		Use:   "show IMAGE",
		Short: "Print the contract embedded in an image",
		Long: `Reads the contract from the image's layers (top layer first, whiteouts honoured) without
pulling the whole image. A tag is resolved to its digest first; the digest read is printed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "yaml" && output != "json" {
				return usagef("--output must be yaml or json, not %q", output)
			}
			loaded, err := loadImageContract(cmd.Context(), args[0], path)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.err, "Contract %s %s read from %s (layer %d)\n", loaded.Contract.Metadata.Name,
				loaded.Contract.Metadata.Version, loaded.Ref, loaded.LayerIndex)
			if output == "json" {
				return printJSON(s, loaded.Contract)
			}
			_, err = s.out.Write(loaded.Raw)
			return err
		},
	}
	cmd.Flags().StringVar(&path, "path", contract.DefaultPath, "path of the contract inside the image")
	cmd.Flags().StringVarP(&output, "output", "o", "yaml", "output format: yaml (as stored in the image) or json")
	return cmd
}

// imageContract is a contract read from an image, with the digest reference it was read from.
type imageContract struct {
	*imagecontract.Loaded
	Ref name.Digest
}

// loadImageContract resolves image to a digest (a tag is looked up once) and reads its contract.
func loadImageContract(ctx context.Context, image, path string) (*imageContract, error) {
	ref, err := name.ParseReference(image)
	if err != nil {
		return nil, usagef("IMAGE %q: %v", image, err)
	}
	kc, err := registry.NewKeychain()
	if err != nil {
		return nil, err
	}
	digestRef, ok := ref.(name.Digest)
	if !ok {
		desc, err := remote.Head(ref, registry.RemoteOptions(ctx, kc, nil)...)
		if err != nil {
			return nil, fmt.Errorf("resolving %s to a digest: %w", ref, err)
		}
		digestRef = ref.Context().Digest(desc.Digest.String())
	}
	loaded, err := imagecontract.NewLoader(imagecontract.Options{Keychain: kc}).Load(ctx, digestRef, path)
	if err != nil {
		return nil, err
	}
	return &imageContract{Loaded: loaded, Ref: digestRef}, nil
}

func newContractLintCommand(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "lint FILE",
		Short: "Check a contract file: strict schema, values, and the security baseline",
		Long: `Parses FILE strictly (unknown fields, wrong kind or version are errors), validates every
field, and checks the security context against the restricted Pod Security baseline that the
controller enforces. Every problem is printed with its field path; the exit code is 1 if any.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return lintContract(s, args[0])
		},
	}
}

func lintContract(s streams, file string) error {
	c, err := readContractFile(file)
	if err != nil {
		return err
	}
	if violations := c.SecurityViolations(); len(violations) > 0 {
		for _, v := range violations {
			fmt.Fprintf(s.out, "%s: %s: %s\n", file, v.Path, v.Reason)
		}
		return fmt.Errorf("%s: %d security baseline violation(s): the controller refuses to run this action", file, len(violations))
	}
	fmt.Fprintf(s.out, "%s: %s %s is valid (%d inputs, %d outputs, %d permissions)\n", file, c.Metadata.Name,
		c.Metadata.Version, len(c.Spec.Inputs), len(c.Spec.Outputs), len(c.Spec.RBAC.Permissions))
	return nil
}

func readContractFile(file string) (*contract.ActionContract, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	c, err := contract.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return c, nil
}

func printJSON(s streams, v any) error {
	enc := json.NewEncoder(s.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

var errBreaking = errors.New("breaking changes without a new major version")
