package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubernaut/kubernaut/internal/devcluster"
	"github.com/kubernaut/kubernaut/internal/devcluster/deploy"
)

// devDeployFlags are the flags of `kubernaut dev deploy`.
type devDeployFlags struct {
	cluster         devcluster.Config
	sourceDir       string
	registryEntries string
	keyPubs         []string
	timeout         time.Duration
}

func newDevDeployCommand() *cobra.Command {
	var f devDeployFlags
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Build the manager from source and deploy config/default into the running dev cluster",
		Long: `Builds cmd/manager with Kubernaut's own image builder, pushes it to the dev cluster's registry,
renders config/default with the image by digest, applies it (server-side apply, field manager
kubernaut-dev) and waits until the manager is available. In the dev cluster the manager gets a
small sidecar that makes the registry's name 127.0.0.1:<port> reach the registry from inside the pod.

--registry-entries writes the action registry (a registry.yaml: action type -> image, contract,
verification), and --key-pub the public keys its signatures are checked against (tlog disabled,
as local signatures are not uploaded to a transparency log). Without them the registry in the
cluster is kept. The cluster must be up (` + "`sudo kubernaut dev cluster up`" + `).`,
		Example: `  kubernaut dev deploy
  kubernaut dev deploy --registry-entries registry.yaml --key-pub cosign.pub`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return devDeploy(cmd, f)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&f.cluster.StateDir, "state-dir", "",
		"state directory of the dev cluster (default $XDG_STATE_HOME/kubernaut-dev, else /var/lib/kubernaut-dev)")
	flags.StringVar(&f.cluster.BinDir, "bin-dir", "", "directory of the cluster binaries, for kubectl (default: k8s/ next to this executable, else <repo>/bin/k8s)")
	flags.StringVar(&f.sourceDir, "source", "", "root of the Kubernaut source tree (default: found from the working directory)")
	flags.StringVar(&f.registryEntries, "registry-entries", "", "registry.yaml to install as the action registry")
	flags.StringArrayVar(&f.keyPubs, "key-pub", nil, "public key (cosign.pub) trusted to sign action images; repeatable; needs --registry-entries")
	flags.DurationVar(&f.timeout, "timeout", deploy.DefaultTimeout, "how long to wait for the manager to become available")
	return cmd
}

func devDeploy(cmd *cobra.Command, f devDeployFlags) error {
	registry, err := readActionRegistry(f.registryEntries, f.keyPubs)
	if err != nil {
		return err
	}
	cl, err := devcluster.Running(cmd.Context(), f.cluster)
	if err != nil {
		return err
	}
	binDir := f.cluster.BinDir
	if binDir == "" {
		if binDir, err = devcluster.DefaultBinDir(); err != nil {
			return err
		}
	}
	progress := cmd.ErrOrStderr()
	fmt.Fprintf(progress, "building and pushing the manager and forwarder images to %s\n", cl.Registry)
	images, err := deploy.BuildDevImages(cmd.Context(), cl.Registry, deploy.ImageOptions{SourceDir: f.sourceDir})
	if err != nil {
		return err
	}
	opts, err := deploy.DevClusterOptions(cl, filepath.Join(binDir, "kubectl"), images)
	if err != nil {
		return err
	}
	opts.ActionRegistry, opts.Timeout, opts.Progress = registry, f.timeout, progress
	if f.sourceDir != "" {
		opts.ConfigDir = filepath.Join(f.sourceDir, "config", "default")
	}
	res, err := deploy.Deploy(cmd.Context(), opts)
	if err != nil {
		return err
	}
	printDeployResult(cmd.OutOrStdout(), res, opts, cl)
	return nil
}

// readActionRegistry reads --registry-entries and --key-pub; nil when neither is given.
func readActionRegistry(entriesFile string, keyFiles []string) (*deploy.ActionRegistry, error) {
	if entriesFile == "" {
		if len(keyFiles) > 0 {
			return nil, usagef("--key-pub needs --registry-entries: the keys are written together with the entries they verify")
		}
		return nil, nil
	}
	data, err := os.ReadFile(entriesFile)
	if err != nil {
		return nil, fmt.Errorf("reading --registry-entries: %w", err)
	}
	entries, err := deploy.ParseRegistryEntries(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", entriesFile, err)
	}
	reg := &deploy.ActionRegistry{Entries: entries}
	for _, file := range keyFiles {
		pem, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading --key-pub: %w", err)
		}
		reg.TrustedKeys = append(reg.TrustedKeys, pem)
	}
	return reg, nil
}

func printDeployResult(w io.Writer, res *deploy.Result, opts deploy.Options, cl *devcluster.Cluster) {
	fmt.Fprintf(w, "Kubernaut is running in the dev cluster (%.1fs).\n", res.Elapsed.Seconds())
	fmt.Fprintf(w, "  manager image: %s\n", res.ManagerImage)
	if res.Rolled {
		fmt.Fprintf(w, "  pods:          %v (rolled out)\n", res.Pods)
	} else {
		fmt.Fprintf(w, "  pods:          %v (unchanged: same image and settings)\n", res.Pods)
	}
	from := opts.ConfigDir
	if from == "" {
		from = "config/default"
	}
	fmt.Fprintf(w, "  applied:       %d objects from %s\n", len(res.Applied), from)
	if opts.ActionRegistry != nil {
		fmt.Fprintf(w, "  registry:      %d action types, %d trusted keys\n", len(opts.ActionRegistry.Entries), len(opts.ActionRegistry.TrustedKeys))
	}
	k := opts.Kubectl
	fmt.Fprintf(w, "\nTo look (the kubectl built for this cluster; /usr/bin/kubectl may be too old):\n")
	fmt.Fprintf(w, "  export KUBECONFIG=%s\n", cl.Kubeconfig)
	fmt.Fprintf(w, "  %s -n %s get deployment,pods\n", k, deploy.Namespace)
	fmt.Fprintf(w, "  %s -n %s logs deployment/%s -c %s -f\n", k, deploy.Namespace, deploy.DeploymentName, deploy.ManagerContainer)
	fmt.Fprintf(w, "  %s -n %s get configmap kubernaut-action-registry -o yaml\n", k, deploy.Namespace)
	fmt.Fprintf(w, "  %s get actionexecutions --all-namespaces\n", k)
}
