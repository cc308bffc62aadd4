package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestADeploymentsEventsPodsAndLogErrorsAreWrittenToTheWorkspace(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	arrangeSickDeployment(t, sb)
	ws := t.TempDir()

	r := runAction(t, sb, ws, map[string]any{"resource": "deployment/" + deploymentName})

	actiontesting.MustSucceed(t, r)
	dir := filepath.Join(ws, "diagnostics")
	// The crashing pod's node is gone, so both of its logs (the current and the previous run)
	// are recorded failures, not the action's; the other pod's log is written (empty: it runs
	// on no kubelet). Files: events, pods, one log, log-errors.
	actiontesting.DiffOutputs(t, map[string]any{
		"path": dir, "resource": "deployment/" + deploymentName, "namespace": sb.Namespace,
		"replicas": 2, "podCount": 2, "readyPods": 1, "warningEvents": 3, "files": 4, "logErrors": 2,
	}, r)
	if _, err := os.Stat(filepath.Join(dir, "logs", readyPod+"_app.log")); err != nil {
		t.Errorf("the log of %s was not written: %v", readyPod, err)
	}
	events := readFile(t, dir, "events.txt")
	for _, want := range []string{"ScalingReplicaSet", "FailedCreate", "exceeded quota", "BackOff", "pod/" + gonePod, "Evicted"} {
		if !strings.Contains(events, want) {
			t.Errorf("events.txt lacks %q:\n%s", want, events)
		}
	}
	for _, unwanted := range []string{strangerPod, "Unrelated"} {
		if strings.Contains(events, unwanted) {
			t.Errorf("events.txt holds %q, which is not about the deployment:\n%s", unwanted, events)
		}
	}
	pods := readFile(t, dir, "pods.txt")
	for _, want := range []string{readyPod, crashingPod, "waiting: CrashLoopBackOff (back-off 40s", "last terminated: OOMKilled (exit code 137)", "Ready (ContainersNotReady)"} {
		if !strings.Contains(pods, want) {
			t.Errorf("pods.txt lacks %q:\n%s", want, pods)
		}
	}
	if strings.Contains(pods, strangerPod) {
		t.Errorf("pods.txt lists %s, which the deployment does not own:\n%s", strangerPod, pods)
	}
	logErrors := readFile(t, dir, "log-errors.txt")
	if got := strings.Count(logErrors, "\n"); got != 2 || !strings.Contains(logErrors, "pod "+crashingPod+", container app, previous log:") {
		t.Errorf("log-errors.txt should list 2 failures, the previous log of %s among them:\n%s", crashingPod, logErrors)
	}
	t.Logf("events.txt:\n%s\npods.txt:\n%s\nlog-errors.txt:\n%s", events, pods, logErrors)
}

func TestAPodIsDiagnosedWithoutReplicas(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	arrangeSickDeployment(t, sb)
	ws := t.TempDir()

	r := runAction(t, sb, ws, map[string]any{"resource": "po/" + crashingPod, "outputDir": "runs/1/diag/", "tailLines": 10})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"path": filepath.Join(ws, "runs", "1", "diag"), "resource": "pod/" + crashingPod, "namespace": sb.Namespace,
		"podCount": 1, "readyPods": 0, "warningEvents": 1, "files": 3, "logErrors": 2,
	}, r)
	if events := readFile(t, ws, "runs", "1", "diag", "events.txt"); strings.Contains(events, "FailedCreate") {
		t.Errorf("events.txt of a pod holds its ReplicaSet's events:\n%s", events)
	}
}

func TestAMissingResourceFailsNamingIt(t *testing.T) {
	for _, resource := range []string{"deployment/nope", "pod/nope"} {
		t.Run(resource, func(t *testing.T) {
			sb := cluster.NewSandbox(t, contractFile)

			r := runAction(t, sb, t.TempDir(), map[string]any{"resource": resource})

			if r.ExitCode != 1 {
				t.Fatalf("exit code %d, want 1; stderr:\n%s", r.ExitCode, r.Stderr)
			}
			kind, name, _ := strings.Cut(resource, "/")
			if want := kind + " " + sb.Namespace + "/" + name + " not found"; !strings.Contains(r.Stderr, want) {
				t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
			}
		})
	}
}

func TestTheContractIsReadOnly(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	arrangeSickDeployment(t, sb)

	err := sb.Client.CoreV1().Pods(sb.Namespace).Delete(background, crashingPod, metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete a pod")
	_, err = sb.Client.CoreV1().Secrets(sb.Namespace).List(background, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list Secrets")
	_, err = sb.Client.AppsV1().Deployments(sb.Namespace).List(background, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list Deployments")
	_, err = sb.Client.AppsV1().Deployments(sb.Namespace).GetScale(background, deploymentName, metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a Deployment's scale")

	for _, denied := range []struct{ group, resource, subresource, verb string }{
		{"", "pods", "exec", "create"}, {"", "pods", "attach", "create"}, {"", "pods", "portforward", "create"},
		{"", "pods", "", "patch"}, {"", "pods", "eviction", "create"}, {"", "events", "", "create"},
		{"", "events", "", "watch"}, {"", "configmaps", "", "get"}, {"apps", "deployments", "", "patch"},
		{"apps", "replicasets", "", "delete"},
	} {
		if sb.Allowed(t, kubetest.Attrs(denied.group, denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}

func TestWithoutAWorkspaceTheStepIsToldToAskForOne(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, ws := range map[string]string{
		"no such directory": filepath.Join(t.TempDir(), "workspace"),
		"a file, not a dir": file,
	} {
		t.Run(name, func(t *testing.T) {
			r := runActionWith(t, collector{kube: actiontesting.NoCluster(t), workspace: ws}, map[string]any{"resource": "deployment/web"})

			if r.ExitCode != 1 {
				t.Fatalf("exit code %d, want 1; stderr:\n%s", r.ExitCode, r.Stderr)
			}
			if want := "the step needs usesWorkspace: true"; !strings.Contains(r.Stderr, want) {
				t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
			}
		})
	}
}

func TestAnOutputDirOutsideTheWorkspaceIsRefused(t *testing.T) {
	tests := []struct{ outputDir, want string }{
		{"/tmp/diag", `"/tmp/diag" is absolute; give it relative to /workspace`},
		{"/workspace/diag", `(write "diag")`},
		{"../diag", `"../diag" holds ".."`},
		{"a/../../diag", `holds ".."`},
		{".", "is the workspace itself"},
		{"", "it is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.outputDir, func(t *testing.T) {
			r := runActionWith(t, collector{kube: actiontesting.NoCluster(t), workspace: t.TempDir()},
				map[string]any{"resource": "deployment/web", "outputDir": tt.outputDir})

			if r.ExitCode != 1 {
				t.Fatalf("exit code %d, want 1; stderr:\n%s", r.ExitCode, r.Stderr)
			}
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, r.Stderr)
			}
		})
	}
}

func TestASymlinkLeftByAnEarlierStepCannotLeadOutOfTheWorkspace(t *testing.T) {
	ws, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(ws, "diagnostics")); err != nil {
		t.Fatal(err)
	}

	r := runActionWith(t, collector{kube: actiontesting.NoCluster(t), workspace: ws}, map[string]any{"resource": "deployment/web"})

	if r.ExitCode != 1 {
		t.Fatalf("exit code %d, want 1; stderr:\n%s", r.ExitCode, r.Stderr)
	}
	if want := "diagnostics is a symbolic link that cannot be followed inside the workspace"; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("the action wrote outside the workspace: %v", entries)
	}
}

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	arrangeSickDeployment(t, sb)
	for _, mode := range []struct {
		name string
		mode actiontest.InputMode
	}{{"ACTION_INPUTS", actiontest.ViaEnv}, {"ACTION_INPUTS_FILE", actiontest.ViaFile}, {"standard input", actiontest.ViaStdin}} {
		t.Run(mode.name, func(t *testing.T) {
			ws := t.TempDir()
			r := runAction(t, sb, ws, map[string]any{"resource": "pod/" + readyPod}, actiontest.WithInputMode(mode.mode))

			actiontesting.MustSucceed(t, r)
			if lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n"); len(lines) != 1 {
				t.Errorf("stdout has %d lines, want only the output line:\n%s", len(lines), r.Stdout)
			}
			if got := r.Outputs["path"]; got != filepath.Join(ws, "diagnostics") {
				t.Errorf("path = %v, want the default directory in the workspace", got)
			}
		})
	}
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no resource", Inputs: map[string]any{}, Want: "/resource: required input is missing"},
		{Name: "an unsupported kind", Inputs: map[string]any{"resource": "service/web"}, Want: "/resource"},
		{Name: "no name", Inputs: map[string]any{"resource": "deployment/"}, Want: "/resource"},
		{Name: "no tail", Inputs: map[string]any{"resource": "pod/web", "tailLines": 0}, Want: "/tailLines: must be at least 1"},
		{Name: "too long a tail", Inputs: map[string]any{"resource": "pod/web", "tailLines": 1001}, Want: "/tailLines: must be at most 1000"},
		{Name: "a dry run, which a read-only action does not take", Inputs: map[string]any{"resource": "pod/web", "dryRun": true}, Want: "/dryRun: unknown input"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return runActionWith(t, collector{kube: actiontesting.NoCluster(t), workspace: t.TempDir()}, inputs)
	}, tests)
}
