package tekton

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubernaut/kubernaut/internal/devcluster/kubeapply"
)

// testImages are digest references as Build returns them, one per command.
func testImages() Images {
	im := Images{}
	for _, c := range Commands {
		im[c] = "127.0.0.1:5000/tekton/" + c + ":" + Version + "@sha256:" + strings.Repeat(c[:1], 64)
	}
	return im
}

// renderReal renders the real config/ of Tekton's module at Version, as hack/tekton pins it.
func renderReal(t *testing.T, opts RenderOptions) []*unstructured.Unstructured {
	t.Helper()
	dir, err := ModuleDir(context.Background(), "")
	if err != nil {
		t.Fatalf("ModuleDir: %v", err)
	}
	objs, err := Render(dir, testImages(), opts)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return objs
}

func TestRenderProducesTheObjectsOfTheReleaseWithoutTheHPA(t *testing.T) {
	objs := renderReal(t, RenderOptions{})
	got := map[string]int{}
	for _, o := range objs {
		got[o.GetKind()]++
		if o.GetKind() == "HorizontalPodAutoscaler" {
			t.Errorf("%s is rendered; webhook-hpa.yaml must be skipped", kubeapply.Describe(o))
		}
	}
	want := map[string]int{
		"ClusterRole": 7, "ClusterRoleBinding": 5, "ConfigMap": 23, "CustomResourceDefinition": 8,
		"Deployment": 4, "MutatingWebhookConfiguration": 1, "Namespace": 2, "Role": 6, "RoleBinding": 8,
		"Secret": 1, "Service": 4, "ServiceAccount": 4, "ValidatingWebhookConfiguration": 2,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("objects by kind (-want +got):\n%s", diff)
	}
	var deployments []string
	for _, o := range objs {
		if o.GetKind() == "Deployment" {
			deployments = append(deployments, o.GetNamespace()+"/"+o.GetName())
		}
	}
	wantDeployments := []string{
		"tekton-pipelines/tekton-pipelines-controller", "tekton-pipelines/tekton-events-controller",
		"tekton-pipelines-resolvers/tekton-pipelines-remote-resolvers", "tekton-pipelines/tekton-pipelines-webhook",
	}
	if diff := cmp.Diff(wantDeployments, deployments); diff != "" {
		t.Errorf("Deployments in ko's file order (-want +got):\n%s", diff)
	}
}

func TestRenderLeavesNoKoReferenceAndNoDevelReleaseLabel(t *testing.T) {
	for _, o := range renderReal(t, RenderOptions{}) {
		data, err := o.MarshalJSON()
		if err != nil {
			t.Fatalf("%s: %v", kubeapply.Describe(o), err)
		}
		if strings.Contains(string(data), "ko://") {
			t.Errorf("%s still has a ko:// reference", kubeapply.Describe(o))
		}
		for _, key := range []string{"pipeline.tekton.dev/release", "app.kubernetes.io/version", "version"} {
			if strings.Contains(string(data), `"`+key+`":"devel"`) {
				t.Errorf("%s still has %s \"devel\"", kubeapply.Describe(o), key)
			}
		}
	}
}

func TestRenderRunsEveryContainerOnOurImagesByDigest(t *testing.T) {
	images := testImages()
	got := map[string][]string{}
	for _, o := range renderReal(t, RenderOptions{}) {
		if o.GetKind() != "Deployment" {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		for _, c := range containers {
			m := c.(map[string]any)
			got[o.GetName()] = append(got[o.GetName()], m["image"].(string))
			cmd, _ := m["command"].([]any)
			if len(cmd) > 0 && cmd[0] == "/sbin/tini" {
				t.Errorf("%s: container %s still runs /sbin/tini: %v", o.GetName(), m["name"], cmd)
			}
		}
	}
	want := map[string][]string{
		"tekton-pipelines-controller":       {images["controller"]},
		"tekton-pipelines-webhook":          {images["webhook"]},
		"tekton-events-controller":          {images["events"]},
		"tekton-pipelines-remote-resolvers": {images["resolvers"]},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("container images (-want +got):\n%s", diff)
	}
}

func TestRenderPassesOurImagesToTheControllerForTaskRunPods(t *testing.T) {
	images := testImages()
	args := controllerArgs(t, renderReal(t, RenderOptions{}))
	for flag, want := range map[string]string{
		"-entrypoint-image":        images["entrypoint"],
		"-nop-image":               images["nop"],
		"-sidecarlogresults-image": images["sidecarlogresults"],
		"-workingdirinit-image":    images["workingdirinit"],
		"-shell-image":             "cgr.dev/chainguard/busybox@sha256:19f02276bf8dbdd62f069b922f10c65262cc34b710eea26ff928129a736be791",
	} {
		if got := args[flag]; got != want {
			t.Errorf("controller %s = %q, want %q", flag, got, want)
		}
	}
}

func TestRenderPutsTheGivenShellImageInTheController(t *testing.T) {
	shell := "127.0.0.1:5000/busybox@sha256:" + strings.Repeat("ab", 32)
	args := controllerArgs(t, renderReal(t, RenderOptions{ShellImage: shell}))
	if args["-shell-image"] != shell {
		t.Errorf("-shell-image = %q, want %q", args["-shell-image"], shell)
	}
}

func TestRenderRunsTheResolversWithoutTini(t *testing.T) {
	for _, o := range renderReal(t, RenderOptions{}) {
		if o.GetName() != "tekton-pipelines-remote-resolvers" || o.GetKind() != "Deployment" {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		got := containers[0].(map[string]any)["command"]
		if diff := cmp.Diff([]any{"/ko-app/resolvers"}, got); diff != "" {
			t.Errorf("resolvers command (-want +got):\n%s", diff)
		}
		return
	}
	t.Fatal("no resolvers Deployment rendered")
}

func TestRenderLabelsTheReleaseWithItsVersion(t *testing.T) {
	for _, o := range renderReal(t, RenderOptions{}) {
		if o.GetKind() == "Deployment" && o.GetName() == "tekton-pipelines-controller" {
			labels := o.GetLabels()
			for _, k := range []string{"app.kubernetes.io/version", "pipeline.tekton.dev/release", "version"} {
				if labels[k] != Version {
					t.Errorf("label %s = %q, want %q", k, labels[k], Version)
				}
			}
		}
		if o.GetKind() == "CustomResourceDefinition" && o.GetName() == "resolutionrequests.resolution.tekton.dev" {
			// tekton/publish.yaml's sed only rewrites quoted "devel" values; this one is bare in
			// config/, so the published release keeps it, and so do we.
			if got := o.GetLabels()["resolution.tekton.dev/release"]; got != "devel" {
				t.Errorf("resolution.tekton.dev/release = %q, want upstream's devel", got)
			}
		}
		if o.GetKind() == "ConfigMap" && o.GetName() == "pipelines-info" {
			if v, _, _ := unstructured.NestedString(o.Object, "data", "version"); v != Version {
				t.Errorf("pipelines-info version = %q, want %q", v, Version)
			}
		}
	}
}

func TestRenderRefusesMissingOrUnknownImages(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, "controller.yaml", `apiVersion: apps/v1
kind: Deployment
metadata: {name: c, namespace: n}
spec:
  template:
    spec:
      containers:
      - name: c
        image: ko://github.com/tektoncd/pipeline/cmd/unknown
`)
	if _, err := Render(dir, testImages(), RenderOptions{}); !errors.Is(err, ErrUnresolved) {
		t.Errorf("Render with an unknown command = %v, want ErrUnresolved", err)
	}
	partial := testImages()
	delete(partial, "nop")
	if _, err := Render(dir, partial, RenderOptions{}); err == nil || !strings.Contains(err.Error(), "nop") {
		t.Errorf("Render without the nop image = %v, want an error naming nop", err)
	}
}

func TestRenderRefusesADirectoryWithoutConfig(t *testing.T) {
	if _, err := Render(t.TempDir(), testImages(), RenderOptions{}); err == nil {
		t.Error("Render of a module without config/ succeeded")
	}
}

// controllerArgs returns the controller container's -flag value pairs.
func controllerArgs(t *testing.T, objs []*unstructured.Unstructured) map[string]string {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() != "Deployment" || o.GetName() != "tekton-pipelines-controller" {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		args, _ := containers[0].(map[string]any)["args"].([]any)
		flags := map[string]string{}
		for i := 0; i+1 < len(args); i += 2 {
			flags[args[i].(string)] = args[i+1].(string)
		}
		return flags
	}
	t.Fatal("no controller Deployment rendered")
	return nil
}

func writeConfig(t *testing.T, moduleDir, name, content string) {
	t.Helper()
	dir := filepath.Join(moduleDir, "config")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRenderSetsTheGivenFeatureFlagsAndKeepsTheOthers(t *testing.T) {
	for _, o := range renderReal(t, RenderOptions{FeatureFlags: RestrictedFeatureFlags}) {
		if o.GetKind() != "ConfigMap" || o.GetName() != "feature-flags" {
			continue
		}
		data, _, _ := unstructured.NestedStringMap(o.Object, "data")
		for key, want := range map[string]string{
			"set-security-context": "true",
			// Upstream's defaults that Kubernaut relies on stay: no alpha API fields.
			"enable-api-fields": "beta", "results-from": "termination-message",
		} {
			if data[key] != want {
				t.Errorf("feature-flags %s = %q, want %q", key, data[key], want)
			}
		}
		return
	}
	t.Fatal("no feature-flags ConfigMap rendered")
}
