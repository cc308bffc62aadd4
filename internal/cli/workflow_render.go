package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// maxOutputWidth keeps a step's outputs on one readable line; the full value is in the object.
const maxOutputWidth = 72

// renderWorkflow prints the workflow summary: a headline, then one line per step.
func renderWorkflow(w io.Writer, wfe *workflowv1alpha1.WorkflowExecution, now time.Time) {
	st := &wfe.Status
	fmt.Fprintf(w, "WorkflowExecution %s/%s: %s", wfe.Namespace, wfe.Name, orDash(string(st.Phase)))
	fmt.Fprintf(w, " (engine %s, steps %s, %s)\n", orDash(string(st.Engine)), orDash(st.Progress), span(st.StartTime, st.CompletionTime, now))
	if ready := apimeta.FindStatusCondition(st.Conditions, workflowv1alpha1.ReadyCondition); ready != nil && ready.Status != metav1.ConditionTrue {
		fmt.Fprintf(w, "  %s: %s\n", ready.Reason, ready.Message)
	}
	if st.WorkspacePVC != "" {
		fmt.Fprintf(w, "  workspace: PersistentVolumeClaim %s\n", st.WorkspacePVC)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tPHASE\tREASON\tATTEMPTS\tDURATION\tSIGNER\tOUTPUTS")
	for _, step := range stepsInSpecOrder(wfe) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", step.Name, orDash(string(step.Phase)), orDash(step.Reason),
			step.Attempts, span(step.StartTime, step.CompletionTime, now), signerText(step.Signer), outputsText(step))
	}
	_ = tw.Flush()
	for _, step := range stepsInSpecOrder(wfe) {
		if step.Phase == workflowv1alpha1.StepFailed && step.Message != "" {
			fmt.Fprintf(w, "  %s failed: %s\n", step.Name, step.Message)
		}
	}
}

// stepsInSpecOrder lists a status entry per spec step, in spec order, with empty entries for
// steps the controller has not recorded yet.
func stepsInSpecOrder(wfe *workflowv1alpha1.WorkflowExecution) []workflowv1alpha1.StepStatus {
	steps := make([]workflowv1alpha1.StepStatus, 0, len(wfe.Spec.Steps))
	for _, s := range wfe.Spec.Steps {
		if st := wfe.Status.StepStatus(s.Name); st != nil {
			steps = append(steps, *st)
		} else {
			steps = append(steps, workflowv1alpha1.StepStatus{Name: s.Name})
		}
	}
	return steps
}

// span is the duration from start to end (or to now while running), "-" before the start.
func span(start, end *metav1.Time, now time.Time) string {
	if start == nil {
		return "-"
	}
	until := now
	if end != nil {
		until = end.Time
	}
	return until.Sub(start.Time).Round(100 * time.Millisecond).String()
}

// signerText names who signed the image that ran: a key id or a keyless identity.
func signerText(s *executionv1alpha1.Signer) string {
	switch {
	case s == nil:
		return "-"
	case s.Identity != nil:
		return fmt.Sprintf("%s (%s)", s.Identity.Subject, s.Format)
	default:
		return fmt.Sprintf("key %s (%s)", shorten(s.KeyID, 12), s.Format)
	}
}

// outputsText is the step's outputs as compact JSON on one line, shortened when long.
func outputsText(step workflowv1alpha1.StepStatus) string {
	if step.Outputs == nil || len(step.Outputs.Raw) == 0 {
		return "-"
	}
	return shorten(strings.Join(strings.Fields(string(step.Outputs.Raw)), " "), maxOutputWidth)
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
