package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/kubernaut/kubernaut/sdk/contract"
)

func newContractDiffCommand(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "List the changes between two versions of a contract, breaking ones first",
		Long: `OLD and NEW are contract files or image references. Every change is printed, marked BREAKING
when workflows written against OLD may fail against NEW. The exit code is 1 when there are breaking
changes and NEW's major version was not bumped, so the command can gate a release.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			oldC, err := contractFromFileOrImage(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			newC, err := contractFromFileOrImage(cmd.Context(), args[1])
			if err != nil {
				return err
			}
			return printContractDiff(s, oldC, newC)
		},
	}
}

func printContractDiff(s streams, oldC, newC *contract.ActionContract) error {
	changes := contract.Compare(oldC, newC)
	if len(changes) == 0 {
		fmt.Fprintln(s.out, "No changes.")
		return nil
	}
	for _, breaking := range []bool{true, false} {
		for _, c := range changes {
			if c.Breaking == breaking {
				fmt.Fprintln(s.out, c.String())
			}
		}
	}
	if contract.RequiresMajorBump(changes) && !contract.MajorBumped(oldC, newC) {
		return fmt.Errorf("%s %s -> %s: %w", newC.Metadata.Name, oldC.Metadata.Version, newC.Metadata.Version, errBreaking)
	}
	return nil
}

// contractFromFileOrImage reads arg as a file when one exists at that path, else as an image.
func contractFromFileOrImage(ctx context.Context, arg string) (*contract.ActionContract, error) {
	if _, err := os.Stat(arg); err == nil {
		return readContractFile(arg)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	loaded, err := loadImageContract(ctx, arg, contract.DefaultPath)
	if err != nil {
		return nil, fmt.Errorf("%s is neither a file nor a readable image: %w", arg, err)
	}
	return loaded.Contract, nil
}
