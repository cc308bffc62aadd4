package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// pollInterval is how often `workflow status --wait` reads the workflow; a person watches it,
// so a second is both responsive and gentle on the API server.
const pollInterval = time.Second

func newWorkflowCommand(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "workflow",
		Aliases: []string{"wfe"},
		Short:   "Inspect WorkflowExecutions",
	}
	cmd.AddCommand(newWorkflowStatusCommand(s))
	return cmd
}

type workflowStatusFlags struct {
	kube    kubeFlags
	wait    bool
	timeout time.Duration
}

func newWorkflowStatusCommand(s streams) *cobra.Command {
	var f workflowStatusFlags
	cmd := &cobra.Command{
		Use:   "status NAME",
		Short: "Print a workflow's steps: phase, attempts, duration, signer and outputs",
		Long: `Prints the WorkflowExecution NAME as a summary: the workflow's phase, engine and reason, then
one line per step with its phase, reason, attempts, duration, verified signer and outputs.
With --wait it first waits until the workflow finishes (Completed, Failed or Cancelled), and
exits 1 unless it Completed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return workflowStatus(cmd.Context(), s, f, args[0])
		},
	}
	f.kube.bind(cmd.Flags())
	cmd.Flags().BoolVar(&f.wait, "wait", false, "wait until the workflow finishes; exit 1 unless it Completed")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 10*time.Minute, "how long --wait waits")
	return cmd
}

func workflowStatus(ctx context.Context, s streams, f workflowStatusFlags, name string) error {
	c, ns, err := f.kube.client()
	if err != nil {
		return err
	}
	key := client.ObjectKey{Namespace: ns, Name: name}
	wfe := &workflowv1alpha1.WorkflowExecution{}
	if err := c.Get(ctx, key, wfe); err != nil {
		return fmt.Errorf("WorkflowExecution %s: %w", key, err)
	}
	if f.wait {
		if wfe, err = waitFinished(ctx, c, key, f.timeout); err != nil {
			return err
		}
	}
	renderWorkflow(s.out, wfe, time.Now())
	if f.wait && wfe.Status.Phase != workflowv1alpha1.WorkflowCompleted {
		return fmt.Errorf("workflow %s %s", key, wfe.Status.Phase)
	}
	return nil
}

// waitFinished polls until the workflow reaches a terminal phase or the timeout expires.
func waitFinished(ctx context.Context, c client.Client, key client.ObjectKey, timeout time.Duration) (*workflowv1alpha1.WorkflowExecution, error) {
	wfe := &workflowv1alpha1.WorkflowExecution{}
	err := wait.PollUntilContextTimeout(ctx, pollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, key, wfe); err != nil {
			return false, err
		}
		return wfe.Status.Phase.IsFinished(), nil
	})
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("workflow %s did not finish within %s (phase %q, steps %s)", key, timeout, wfe.Status.Phase, wfe.Status.Progress)
	}
	return wfe, err
}
