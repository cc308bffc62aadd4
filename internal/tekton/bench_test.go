package tekton

import (
	"fmt"
	"testing"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
)

// chain is a workflow of n steps in sequence, each referencing its predecessor's output.
func chain(n int) Workflow {
	steps := make([]Step, n)
	for i := range steps {
		steps[i] = step(fmt.Sprintf("s%d", i), `{"n":1}`)
		if i > 0 {
			prev := steps[i-1].Name
			steps[i].RunAfter = []string{prev}
			steps[i].Inputs = []byte(`{"from":"$(steps.` + prev + `.outputs.id)"}`)
		}
	}
	return workflow("chain", steps...)
}

// BenchmarkPipelineRun200Steps builds the PipelineRun of the largest workflow (200 steps).
func BenchmarkPipelineRun200Steps(b *testing.B) {
	w := chain(200)
	for b.Loop() {
		if _, err := PipelineRun(w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkObserve200Steps maps a finished 200-step PipelineRun and its TaskRuns.
func BenchmarkObserve200Steps(b *testing.B) {
	w := chain(200)
	pr, err := PipelineRun(w)
	if err != nil {
		b.Fatal(err)
	}
	pr.Status.SetCondition(ptrTo(condition(corev1.ConditionTrue, "Succeeded", "")))
	names := make([]string, len(w.Steps))
	taskRuns := make([]pipelinev1.TaskRun, len(w.Steps))
	for i, s := range w.Steps {
		names[i] = s.Name
		taskRuns[i] = taskRun("chain-"+s.Name, s.Name, succeeded(), withResult(`{"id":"abc","n":9007199254740993}`))
	}
	for b.Loop() {
		Overall(pr, Observe(pr, taskRuns, names))
	}
}
