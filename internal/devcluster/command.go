package devcluster

import (
	"fmt"
	"net"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubernaut/kubernaut/internal/devcluster/tekton"
)

// Command returns `cluster` with its subcommands up, down, status and env, for the CLI to mount
// under `kubernaut dev`.
func Command() *cobra.Command {
	var cfg Config
	var nodeIP string
	cmd := &cobra.Command{
		Use:          "cluster",
		Short:        "Run a real single-node Kubernetes cluster for tests and demos",
		SilenceUsage: true,
		Long: `Runs etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy,
containerd and a local OCI registry on this machine, built from source by ` + "`make cluster-tools`" + `.
up and down need root. Everything lives in the state directory.`,
	}
	flags := cmd.PersistentFlags()
	flags.StringVar(&cfg.StateDir, "state-dir", "",
		"directory for all cluster state and logs (default $XDG_STATE_HOME/kubernaut-dev, else /var/lib/kubernaut-dev)")
	flags.StringVar(&cfg.BinDir, "bin-dir", "", "directory of the cluster binaries (default: k8s/ next to this executable, else <repo>/bin/k8s)")
	cmd.AddCommand(upCommand(&cfg, &nodeIP), downCommand(&cfg), statusCommand(&cfg), envCommand(&cfg))
	return cmd
}

func upCommand(cfg *Config, nodeIP *string) *cobra.Command {
	var withTekton bool
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start the cluster (or what of it is not running) and wait until pods can be created",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if *nodeIP != "" {
				if cfg.NodeIP = net.ParseIP(*nodeIP); cfg.NodeIP == nil {
					return fmt.Errorf("--node-ip %q is not an IP address", *nodeIP)
				}
			}
			cfg.Progress = cmd.ErrOrStderr()
			cl, err := Up(cmd.Context(), *cfg)
			if err != nil {
				return err
			}
			if withTekton {
				if _, err := tekton.Install(cmd.Context(), tekton.InstallOptions{Kubeconfig: cl.Kubeconfig, Registry: cl.Registry, Progress: cfg.Progress}); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "cluster is up; to use it:\n  export KUBECONFIG=%s\n  export KUBERNAUT_REGISTRY=%s\n",
				shellQuote(cl.Kubeconfig), cl.Registry)
			return nil
		},
	}
	cmd.Flags().IntVar(&cfg.RegistryPort, "registry-port", 0, fmt.Sprintf("port of the local registry on 127.0.0.1 (default %d, or the port of the existing cluster)", DefaultRegistryPort))
	cmd.Flags().BoolVar(&withTekton, "with-tekton", false, "also build Tekton Pipelines "+tekton.Version+" from its Go module and install it (as \"kubernaut dev tekton install\" does)")
	cmd.Flags().StringVar(nodeIP, "node-ip", "", "node address, not loopback (default: address of the default route's interface)")
	return cmd
}

func downCommand(cfg *Config) *cobra.Command {
	var opts DownOptions
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop the cluster and clean the host; --purge also deletes all state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Progress = cmd.ErrOrStderr()
			return Down(cmd.Context(), *cfg, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Purge, "purge", false, "delete the state directory: PKI, etcd data, registry images, volumes and logs")
	return cmd
}

func statusCommand(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show which components run; exits 1 unless all are running and ready",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := GetStatus(cmd.Context(), *cfg)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), st.String())
			if !st.Up() {
				return fmt.Errorf("cluster in %s is not up", st.StateDir)
			}
			return nil
		},
	}
}

func envCommand(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:     "env",
		Short:   "Print shell export lines for KUBECONFIG, KUBERNAUT_REGISTRY and the state directory",
		Example: `  eval "$(kubernaut dev cluster env)"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lines, err := Env(*cfg)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), strings.Join(lines, "\n"))
			return nil
		},
	}
}
