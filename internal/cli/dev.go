package cli

import (
	"github.com/spf13/cobra"

	"github.com/kubernaut/kubernaut/internal/devcluster"
)

func newDevCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Development tools: a real local single-node cluster",
	}
	cmd.AddCommand(devcluster.Command(), newDevDeployCommand(), newDevManagerImageCommand(), newDevTektonCommand())
	return cmd
}
