package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubernaut/kubernaut/internal/devcluster"
	"github.com/kubernaut/kubernaut/internal/devcluster/tekton"
)

// devTektonFlags are the flags of `kubernaut dev tekton install|uninstall`.
type devTektonFlags struct {
	cluster    devcluster.Config
	sourceDir  string
	shellImage string
	timeout    time.Duration
}

func newDevTektonCommand() *cobra.Command {
	var f devTektonFlags
	cmd := &cobra.Command{
		Use:   "tekton",
		Short: "Real Tekton Pipelines " + tekton.Version + " in the dev cluster, built from its Go module",
	}
	flags := cmd.PersistentFlags()
	flags.StringVar(&f.cluster.StateDir, "state-dir", "",
		"state directory of the dev cluster (default $XDG_STATE_HOME/kubernaut-dev, else /var/lib/kubernaut-dev)")
	flags.StringVar(&f.sourceDir, "source", "", "root of the Kubernaut source tree (default: found from the working directory)")
	flags.DurationVar(&f.timeout, "timeout", tekton.DefaultTimeout, "how long to wait for each step (CRDs, Deployments, admission)")
	cmd.AddCommand(newDevTektonInstallCommand(&f), newDevTektonUninstallCommand(&f))
	return cmd
}

func newDevTektonInstallCommand(f *devTektonFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Build Tekton Pipelines " + tekton.Version + " from source and install it into the running dev cluster",
		Long: `Compiles Tekton's eight commands from the Go module hack/tekton (cached in bin/tekton), packages
each one with Kubernaut's image builder as ko would (/ko-app/<command>), pushes them to the dev
cluster's registry, renders the module's own config/ with those images by digest, applies it
(server-side apply, field manager kubernaut-dev) and waits until the controller, webhook, events
controller and remote resolvers are available and the admission webhook validates Tasks.
Running it again changes nothing. The cluster must be up (` + "`sudo kubernaut dev cluster up`" + `).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := devcluster.Running(cmd.Context(), f.cluster)
			if err != nil {
				return err
			}
			res, err := tekton.Install(cmd.Context(), tekton.InstallOptions{
				Kubeconfig: cl.Kubeconfig, Registry: cl.Registry, SourceDir: f.sourceDir,
				ShellImage: f.shellImage, Timeout: f.timeout, Progress: cmd.ErrOrStderr(),
			})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Tekton Pipelines %s is running in the dev cluster (%.1fs: build %.1fs, apply %.1fs, available %.1fs, admission %.1fs).\n",
				tekton.Version, res.Elapsed.Seconds(), res.Build.Seconds(), res.Apply.Seconds(), res.Available.Seconds(), res.Admission.Seconds())
			fmt.Fprintf(w, "  controller image: %s\n  applied:          %d objects from %s/config\n", res.Images["controller"], len(res.Applied), res.ModuleDir)
			return nil
		},
	}
	cmd.Flags().StringVar(&f.shellImage, "shell-image", "", "image of script: steps, replacing upstream's busybox on cgr.dev (default: upstream's)")
	return cmd
}

func newDevTektonUninstallCommand(f *devTektonFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "uninstall",
		Short: "Delete Tekton Pipelines, its CRDs and every Tekton resource from the dev cluster",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := devcluster.Running(cmd.Context(), f.cluster)
			if err != nil {
				return err
			}
			return tekton.Uninstall(cmd.Context(), tekton.InstallOptions{
				Kubeconfig: cl.Kubeconfig, SourceDir: f.sourceDir, Timeout: f.timeout, Progress: cmd.ErrOrStderr(),
			})
		},
	}
}
