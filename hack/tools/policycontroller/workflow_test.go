package policycontroller_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sigstore/policy-controller/pkg/apis/glob"
	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The admission policies and the release workflow must describe the same thing: the images the
// workflow pushes are the ones the policies cover, and the identity it signs with is the one the
// keyless policy trusts. These tests fail when one is changed without the other.

const releaseWorkflowPath = ".github/workflows/release-actions.yaml"

// releaseWorkflow is the part of the workflow file these tests read. YAML 1.2 (yaml/v3), so the
// key `on` stays a string instead of becoming the boolean true.
type releaseWorkflow struct {
	On struct {
		Push struct {
			Tags []string `yaml:"tags"`
		} `yaml:"push"`
	} `yaml:"on"`
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		Permissions map[string]string `yaml:"permissions"`
	} `yaml:"jobs"`
}

func readReleaseWorkflow(t *testing.T) (releaseWorkflow, string) {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, releaseWorkflowPath))
	if err != nil {
		t.Fatal(err)
	}
	var wf releaseWorkflow
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		t.Fatalf("%s: %v", releaseWorkflowPath, err)
	}
	return wf, root
}

// githubRepository is owner/name of the repository the release runs in, from the module path.
var githubRepository = strings.TrimPrefix(rootModule, "github.com/")

func TestTheWorkflowRunsForTheTagsAndSignsAsTheIdentityTheKeylessPolicyTrusts(t *testing.T) {
	wf, _ := readReleaseWorkflow(t)
	if diff := cmp.Diff([]string{"actions-v*"}, wf.On.Push.Tags); diff != "" {
		t.Errorf("the release workflow's tag trigger changed (-want +got):\n%s", diff)
	}
	if got := wf.Jobs["publish"].Permissions["id-token"]; got != "write" {
		t.Errorf("the publish job has id-token: %q; keyless signing needs write", got)
	}
	identity := at(onlyPolicy(t, "config/policy-controller").Object, "spec", "authorities", 0, "keyless", "identities", 0)
	if identity["issuer"] != wf.Env["OIDC_ISSUER"] {
		t.Errorf("the policy trusts issuer %v, the workflow verifies with %q", identity["issuer"], wf.Env["OIDC_ISSUER"])
	}
	subject := regexp.MustCompile(identity["subjectRegExp"].(string))
	// The certificate subject GitHub's OIDC token yields: the workflow's URL at the ref it ran for.
	workflowURL := "https://github.com/" + githubRepository + "/" + releaseWorkflowPath
	for ref, trusted := range map[string]bool{
		"refs/tags/actions-v1.2.3":         true,
		"refs/tags/actions-v0.1.0-rc.1":    true,
		"refs/heads/main":                  false, // workflow_dispatch from a branch
		"refs/pull/7/merge":                false,
		"refs/tags/v1.2.3":                 false, // a tag of the project, not of the actions
		"refs/tags/actions-v1.2.3/evil":    false,
		"refs/tags/actions-v1.2.3\nrefs/x": false,
	} {
		if got := subject.MatchString(workflowURL + "@" + ref); got != trusted {
			t.Errorf("a run for %q: trusted = %v, want %v", ref, got, trusted)
		}
	}
	for _, other := range []string{
		"https://github.com/" + githubRepository + "/.github/workflows/ci.yaml@refs/tags/actions-v1.2.3",
		"https://github.com/attacker/kubernaut/" + releaseWorkflowPath + "@refs/tags/actions-v1.2.3",
		"https://github.com/" + githubRepository + "x/" + releaseWorkflowPath + "@refs/tags/actions-v1.2.3",
	} {
		if subject.MatchString(other) {
			t.Errorf("the policy trusts another workflow or repository: %s", other)
		}
	}
}

func TestBothPoliciesCoverExactlyTheImagesTheWorkflowReleases(t *testing.T) {
	wf, _ := readReleaseWorkflow(t)
	owner, _, _ := strings.Cut(githubRepository, "/")
	registry := "ghcr.io/" + owner + "/" + wf.Env["ACTIONS_REPOSITORY"]
	digest := "@sha256:" + strings.Repeat("ab", 32)
	for _, dir := range policyDirs {
		cip := onlyPolicy(t, dir)
		globs := imageGlobs(t, cip)
		if diff := cmp.Diff([]string{registry + "/**"}, globs); diff != "" {
			t.Errorf("%s: image globs (-release registry +policy):\n%s", dir, diff)
			continue
		}
		for image, covered := range map[string]bool{
			registry + "/kubernetes/scale_deployment" + digest:         true,
			registry + "/kubernetes/scale_deployment:1.0.0":            true,
			registry + "/git/create-pr:1.0.0" + digest:                 true,
			registry + "-staging/kubernetes/scale_deployment" + digest: false, // workflow_dispatch rehearsals
			"ghcr.io/" + owner + "/kubernaut/manager" + digest:         false,
		} {
			got, err := glob.Match(globs[0], image)
			if err != nil {
				t.Fatalf("%s: matching %s: %v", dir, image, err)
			}
			if got != covered {
				t.Errorf("%s: %s covered = %v, want %v", dir, image, got, covered)
			}
		}
	}
}

func TestTheWorkflowSignsWithTheCosignTheInteropTestsPin(t *testing.T) {
	wf, root := readReleaseWorkflow(t)
	goMod, err := os.ReadFile(filepath.Join(root, "hack", "tools", "cosign", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	pin := regexp.MustCompile(`(?m)^require github\.com/sigstore/cosign/v3 (v\S+)$`).FindSubmatch(goMod)
	if pin == nil {
		t.Fatal("hack/tools/cosign/go.mod does not require github.com/sigstore/cosign/v3")
	}
	if got := wf.Env["COSIGN_VERSION"]; got != string(pin[1]) {
		t.Errorf("the release workflow installs cosign %q, the interop tests pin %s", got, pin[1])
	}
}

func imageGlobs(t *testing.T, cip *unstructured.Unstructured) []string {
	t.Helper()
	images, _, err := unstructured.NestedSlice(cip.Object, "spec", "images")
	if err != nil {
		t.Fatal(err)
	}
	var globs []string
	for _, img := range images {
		globs = append(globs, img.(map[string]any)["glob"].(string))
	}
	return globs
}
