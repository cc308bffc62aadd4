package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/kubernaut/kubernaut/internal/image"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

// pushBuiltinAction builds an image holding the contract of the built-in action
// actions/kubernetes/<action> (the entrypoint does not matter: validate never runs it) and
// pushes it to the registry at host, returning its digest reference.
func pushBuiltinAction(t *testing.T, host, action string) string {
	t.Helper()
	contractFile := filepath.Join("..", "..", "actions", "kubernetes", action, "action-contract.yaml")
	entrypoint := writeFile(t, t.TempDir(), "entrypoint", "#!/bin/sh\nexit 0\n")
	img, err := image.Build(t.Context(), image.BuildOptions{EntrypointFile: entrypoint, ContractFile: contractFile})
	if err != nil {
		t.Fatalf("building %s: %v", action, err)
	}
	tag, err := name.NewTag(host + "/actions/" + strings.ReplaceAll(action, "_", "-") + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	digest, err := image.Push(t.Context(), img, tag)
	if err != nil {
		t.Fatalf("pushing %s: %v", action, err)
	}
	return digest.String()
}

// remediation is a three-step workflow on the built-in actions; the scale step pins its image.
func remediation(scaleImage string) string {
	return `apiVersion: workflowexecution.kubernaut.ai/v1alpha1
kind: WorkflowExecution
metadata: {name: remediate-payment-service}
spec:
  steps:
    - name: diagnose
      actionType: kubernetes/collect_diagnostics
      usesWorkspace: true
      inputs: {resource: deployment/payment-service, tailLines: 100}
    - name: scale
      actionType: kubernetes/scale_deployment
      image: ` + scaleImage + `
      runAfter: [diagnose]
      inputs:
        deployment: payment-service
        replicas: 10
        namespace: $(steps.diagnose.outputs.namespace)
    - name: notify
      actionType: kubernetes/notify_only
      runAfter: [scale]
      usesWorkspace: true
      inputs:
        message: "payment-service scaled from $(steps.scale.outputs.previousReplicas) to $(steps.scale.outputs.replicas)"
        severity: warning
        attachments: [diagnostics]
`
}

func TestValidateChecksInputsAgainstTheContractsInTheImages(t *testing.T) {
	host := registrytest.Start(t).Host
	images := map[string]string{}
	for _, action := range []string{"collect_diagnostics", "scale_deployment", "notify_only"} {
		images[action] = pushBuiltinAction(t, host, action)
	}
	dir := t.TempDir()
	registryFile := writeFile(t, dir, "registry.yaml", fmt.Sprintf(
		"kubernetes/collect_diagnostics: {image: %q}\nkubernetes/scale_deployment: {image: %q}\nkubernetes/notify_only: {image: %q}\n",
		images["collect_diagnostics"], images["scale_deployment"], images["notify_only"]))

	t.Run("a workflow whose inputs fit its contracts passes, listing what only the run can check", func(t *testing.T) {
		wf := writeFile(t, dir, "good.yaml", remediation(images["scale_deployment"]))
		r := runCLI(t, "validate", "-f", wf, "--registry", registryFile, "--contracts").mustSucceed(t)
		want := []string{
			"OK: 3 steps, order: diagnose, scale, notify",
			"OK: every action type is in the action registry (" + registryFile + ", 3 entries), and every pinned image is the registry's",
			"OK: the inputs of every step match its contract (kubernetes/collect_diagnostics collect-diagnostics v1.0.0, " +
				"kubernetes/scale_deployment scale-deployment v1.0.0, kubernetes/notify_only notify-only v1.0.0)",
			"checked at run time: spec.steps[1].inputs/namespace ($(steps.diagnose.outputs.namespace))",
			"checked at run time: spec.steps[2].inputs/message ($(steps.scale.outputs.previousReplicas))",
			"checked at run time: spec.steps[2].inputs/message ($(steps.scale.outputs.replicas))",
		}
		if diff := cmp.Diff(want, lines(r.stdout)); diff != "" {
			t.Errorf("stdout (-want +got):\n%s", diff)
		}
	})

	t.Run("inputs that break the contracts are each reported at their pointer", func(t *testing.T) {
		doc := strings.NewReplacer(
			"tailLines: 100", "tailLines: 5000",
			"replicas: 10", "replicaz: 10",
			"severity: warning", "severity: urgent",
			"$(steps.scale.outputs.replicas)", "$(steps.scale.outputs.replica)",
			"namespace: $(steps.diagnose.outputs.namespace)", "namespace: $(steps.diagnose.outputs.podCount)",
		).Replace(remediation(images["scale_deployment"]))
		wf := writeFile(t, dir, "bad.yaml", doc)
		r := runCLI(t, "validate", "-f", wf, "--registry", registryFile, "--contracts")
		r.mustFail(t, exitError, `6 problems: the controller would refuse these steps`)
		want := []string{
			"spec.steps[0].inputs/tailLines: must be at most 1000, got 5000 (contract collect-diagnostics v1.0.0)",
			`spec.steps[1].inputs/namespace: input "namespace" is of type string, but output "podCount" of step "diagnose" is of type integer, ` +
				"and a whole-string reference keeps the output's type",
			"spec.steps[1].inputs/replicas: required input is missing (contract scale-deployment v1.0.0)",
			"spec.steps[1].inputs/replicaz: unknown input; the contract declares deployment, replicas, namespace, dryRun, waitForReady (contract scale-deployment v1.0.0)",
			`spec.steps[2].inputs/message: step "scale" (contract scale-deployment v1.0.0) declares no output "replica"; ` +
				"it declares: deployment, namespace, previousReplicas, replicas, actualReplicas, changed, dryRun",
			`spec.steps[2].inputs/severity: must be one of ["info", "warning", "critical"], got "urgent" (contract notify-only v1.0.0)`,
		}
		got := lines(r.stdout)[2:] // after the OK lines of the graph and the registry
		for i := range got {
			got[i] = strings.TrimPrefix(got[i], wf+": ")
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
	})

	t.Run("an image without a contract is reported", func(t *testing.T) {
		random := registrytest.PushRandomImage(t, host+"/actions/random")
		noContract := writeFile(t, dir, "no-contract.yaml", fmt.Sprintf(
			"kubernetes/collect_diagnostics: {image: %q}\nkubernetes/scale_deployment: {image: %q}\nkubernetes/notify_only: {image: %q}\n",
			images["collect_diagnostics"], images["scale_deployment"], random.String()))
		wf := writeFile(t, dir, "good.yaml", remediation(images["scale_deployment"]))
		r := runCLI(t, "validate", "-f", wf, "--registry", noContract, "--contracts")
		r.mustFail(t, exitError, `1 problem: the controller would refuse these steps`)
		want := wf + ": spec.steps[2].actionType: reading the contract of kubernetes/notify_only: image " + random.String() + ": "
		if got := lines(r.stdout)[2]; !strings.HasPrefix(got, want) || !strings.Contains(got, "no contract in the image") {
			t.Errorf("problem %q, want it to start with %q and say there is no contract", got, want)
		}
	})
}
