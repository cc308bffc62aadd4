package settings

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

func FuzzParse(f *testing.F) {
	f.Add(KeyMaxParallelSteps, "5", KeyRetryBackoffCap, "1m")
	f.Add(KeyWorkspaceSize, "1.5Gi", KeyWorkspaceAccessMode, "ReadWriteMany")
	f.Add(KeyRetryBackoffBase, "1h", KeyRetryBackoffCap, "100ms")
	f.Add(KeyTektonWorkflowTypes, "a, b,,c", KeyTektonPercent, "100")
	f.Add("maxParalelSteps", "x", KeyStepTimeout, "9223372036854775807ns")
	f.Add(KeyWorkspaceSize, "1e400", KeyWorkspaceClass, "a.b-c")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		s, err := Parse(map[string]string{k1: v1, k2: v2})
		if err != nil {
			return
		}
		checkBounds(t, s)
	})
}

// checkBounds fails the test unless every field of s is within its documented bounds.
func checkBounds(t *testing.T, s Settings) {
	t.Helper()
	in := func(name string, ok bool) {
		if !ok {
			t.Fatalf("%s out of bounds in %+v", name, s)
		}
	}
	in("maxParallelSteps", s.MaxParallelSteps >= parallelStepsBounds.lo && s.MaxParallelSteps <= parallelStepsBounds.hi)
	in("workspace.size", s.Workspace.Size.Sign() > 0)
	in("workspace.accessMode", slices.Contains(accessModes, s.Workspace.AccessMode))
	in("step.timeout", s.StepTimeout >= stepTimeoutBounds.lo && s.StepTimeout <= stepTimeoutBounds.hi)
	in("workflow.timeout", s.WorkflowTimeout >= workflowTimeoutBounds.lo && s.WorkflowTimeout <= workflowTimeoutBounds.hi)
	in("retry.backoffBase", s.Retry.Base >= backoffBaseBounds.lo && s.Retry.Base <= backoffBaseBounds.hi)
	in("retry.backoffCap", s.Retry.Cap >= backoffCapBounds.lo && s.Retry.Cap <= backoffCapBounds.hi && s.Retry.Cap >= s.Retry.Base)
	in("tekton.minSteps", s.Tekton.MinSteps >= minStepsBounds.lo && s.Tekton.MinSteps <= minStepsBounds.hi)
	in("tekton.percent", s.Tekton.Percent >= percentBounds.lo && s.Tekton.Percent <= percentBounds.hi)
	for _, w := range s.Tekton.WorkflowTypes {
		in("tekton.workflowTypes", w != "" && !strings.ContainsFunc(w, unicode.IsSpace))
	}
	for n := 1; n <= 70; n++ {
		in("backoff", s.Retry.Backoff(n) >= s.Retry.Base && s.Retry.Backoff(n) <= s.Retry.Cap)
	}
}
