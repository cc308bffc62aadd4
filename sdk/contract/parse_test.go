package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// header is the start of every valid contract in these tests.
const header = "apiVersion: kubernaut.ai/v1alpha1\nkind: ActionContract\nmetadata: {name: noop, version: 1.0.0}\n"

func TestTheSeedsGitCloneContractParses(t *testing.T) {
	got := mustParse(t, readFixture(t, "git-clone.yaml"))
	want := &ActionContract{
		APIVersion: APIVersion,
		Kind:       Kind,
		Metadata:   Metadata{Name: "git-clone", Version: "v1.0.0"},
		Spec: Spec{
			Description: "Clone Git repository to workspace",
			Inputs: []Parameter{
				{Name: "repository", Type: TypeString, Required: true, Description: "Git repository URL"},
				{Name: "branch", Type: TypeString, Default: "main"},
			},
			Outputs: []Parameter{{Name: "commitSHA", Type: TypeString, Description: "Cloned commit SHA"}},
			Resources: Resources{
				Requests: map[string]string{"cpu": "100m", "memory": "128Mi"},
				Limits:   map[string]string{"cpu": "500m", "memory": "512Mi"},
			},
			RBAC: RBAC{Permissions: []Permission{}},
			SecurityContext: &SecurityContext{
				RunAsNonRoot:             ptr(true),
				RunAsUser:                ptr(int64(1000)),
				AllowPrivilegeEscalation: ptr(false),
				Capabilities:             &Capabilities{Drop: []string{"ALL"}},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parsed contract differs (-want +got):\n%s", diff)
	}
	if v := got.SecurityViolations(); len(v) != 0 {
		t.Errorf("the seed contract should meet the security baseline, got %v", v)
	}
}

func TestParseKeepsEveryFieldOfAFullContract(t *testing.T) {
	c := mustParse(t, readFixture(t, "scale-deployment.yaml"))
	checks := []struct {
		name      string
		got, want any
	}{
		{"the version keeps prerelease and build", c.Metadata.Version, "v1.4.0-rc.1+build.7"},
		{"integer bounds are kept", []float64{*c.Spec.Inputs[2].Minimum, *c.Spec.Inputs[2].Maximum}, []float64{0, 50}},
		{"enum values are kept", c.Spec.Inputs[3].Enum, []any{"gradual", "immediate"}},
		{"number defaults stay exact", c.Spec.Inputs[4].Default, json.Number("30.5")},
		{"object defaults are kept", c.Spec.Inputs[6].Default, map[string]any{"team": "sre"}},
		{"an empty array default is kept", c.Spec.Inputs[7].Default, []any{}},
		{"a scope-less permission defaults to Namespaced", c.Spec.RBAC.Permissions[0].Scope, ScopeNamespaced},
		{"a cluster permission stays Cluster", c.Spec.RBAC.Permissions[2].Scope, ScopeCluster},
		{"the seccomp profile is kept", c.Spec.SecurityContext.SeccompProfile.Type, "RuntimeDefault"},
	}
	for _, check := range checks {
		t.Run(check.name, func(t *testing.T) {
			if diff := cmp.Diff(check.want, check.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsedContractsSurviveMarshalAndParseUnchanged(t *testing.T) {
	for _, fixture := range []string{"git-clone.yaml", "scale-deployment.yaml"} {
		t.Run(fixture, func(t *testing.T) {
			c := mustParse(t, readFixture(t, fixture))
			data, err := yaml.Marshal(c)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if diff := cmp.Diff(c, mustParse(t, data)); diff != "" {
				t.Errorf("round trip changed the contract (-first +second):\n%s", diff)
			}
		})
	}
}

func TestParseRefusesBadDocumentsAsAWhole(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"a 10 MiB contract is refused before parsing", tenMiBContract(), ErrTooLarge},
		{"one byte over the limit is refused", bytes.Repeat([]byte("#"), MaxSize+1), ErrTooLarge},
		{"malformed YAML is refused", []byte(header + "spec: {inputs: [\n"), ErrMalformed},
		{"a tab used for indentation is refused", []byte(header + "spec:\n\tdescription: x\n"), ErrMalformed},
		{"a duplicated key is refused rather than silently resolved", []byte(header + "spec: {}\nspec: {}\n"), ErrMalformed},
		{"an empty document is refused", []byte(""), ErrEmpty},
		{"a document of only comments is refused", []byte("# nothing\n\n  # here\n"), ErrEmpty},
		{"a document of only markers is refused", []byte("---\n...\n"), ErrEmpty},
		{"a null document is refused", []byte("~\n"), ErrEmpty},
		{"two documents are refused", []byte(header + "spec: {}\n---\n" + header + "spec: {}\n"), ErrMultipleDocuments},
		{"an empty document before the contract is refused", []byte("---\n---\n" + header + "spec: {}\n"), ErrMultipleDocuments},
		{"content after an end marker without a new document is refused", []byte(header + "spec: {}\n...\nkind: Other\n"), ErrMalformed},
		{"a second document after an end marker is refused", []byte(header + "spec: {}\n...\n---\nkind: Other\n"), ErrMultipleDocuments},
		{"content on the marker line starts a second document", []byte(header + "spec: {}\n--- {a: 1}\n"), ErrMultipleDocuments},
		{"JSON with trailing data is refused", []byte(`{"kind": "ActionContract"} {}`), ErrMalformed},
		{"two concatenated JSON objects are refused", []byte("{\"kind\": \"ActionContract\"}\n{}\n"), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.input)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got contract %v and error %v, want %v", c, err, tt.want)
			}
		})
	}
}

func TestParseAcceptsDocumentMarkersAroundOneDocument(t *testing.T) {
	for name, doc := range map[string]string{
		"a leading marker":                 "---\n" + header + "spec: {}\n",
		"a directive and a leading marker": "%YAML 1.1\n---\n" + header + "spec: {}\n",
		"a trailing marker":                header + "spec: {}\n---\n",
		"an end marker":                    header + "spec: {}\n...\n",
		"a byte order mark":                "\xef\xbb\xbf" + header + "spec: {}\n",
		"CRLF line ends":                   strings.ReplaceAll("---\r\n"+header+"spec: {}\r\n", "\n", "\r\n"),
		"a block scalar holding dashes":    header + "spec:\n  description: |\n    -- not a marker\n     --- nor this\n",
		"JSON":                             `{"apiVersion":"kubernaut.ai/v1alpha1","kind":"ActionContract","metadata":{"name":"noop","version":"1.0.0"},"spec":{}}`,
	} {
		t.Run(name, func(t *testing.T) {
			c := mustParse(t, []byte(doc))
			if c.Metadata.Name != "noop" {
				t.Errorf("got name %q, want noop", c.Metadata.Name)
			}
		})
	}
}

func TestParseNamesTheFieldOfEveryStructuralProblem(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []wantError
	}{
		{"a list at the root is refused", "- a\n- b\n", []wantError{{"", "must be a mapping"}}},
		{"a wrong kind is reported alone, without noise about its fields",
			"apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 3}\n", []wantError{
				{"apiVersion", `must be "kubernaut.ai/v1alpha1", got "apps/v1"`},
				{"kind", `must be "ActionContract", got "Deployment"`}}},
		{"a wrong version of the API is refused",
			"apiVersion: kubernaut.ai/v1beta1\nkind: ActionContract\n", []wantError{{"apiVersion", `got "kubernaut.ai/v1beta1"`}}},
		{"a missing kind is refused", "apiVersion: kubernaut.ai/v1alpha1\n", []wantError{{"kind", "required"}}},
		{"a kind that is not a string is refused", "apiVersion: kubernaut.ai/v1alpha1\nkind: 3\n", []wantError{{"kind", "got the number 3"}}},
		{"an unknown top-level field is refused", header + "spec: {}\nstatus: {}\n", []wantError{{"status", "unknown field"}}},
		{"an unknown metadata field is refused", strings.Replace(header, "version: 1.0.0", "version: 1.0.0, labels: {}", 1) + "spec: {}\n",
			[]wantError{{"metadata.labels", "unknown field; known fields here: name, version"}}},
		{"an unknown field in the third input is refused",
			header + "spec:\n  inputs:\n  - {name: a, type: string}\n  - {name: b, type: string}\n  - {name: c, type: string, format: uri}\n",
			[]wantError{{"spec.inputs[2].format", "unknown field"}}},
		{"an unknown field deep in a permission is refused",
			header + "spec: {rbac: {permissions: [{apiGroups: [''], resources: [pods], verbs: [get], nonResourceURLs: [/x]}]}}\n",
			[]wantError{{"spec.rbac.permissions[0].nonResourceURLs", "unknown field"}}},
		{"an unknown field three levels into the security context is refused",
			header + "spec: {securityContext: {capabilities: {drop: [ALL], keep: [NET_RAW]}}}\n",
			[]wantError{{"spec.securityContext.capabilities.keep", "unknown field"}}},
		{"a field spelt with the wrong case is refused with a hint",
			header + "spec: {Description: x}\n", []wantError{{"spec.Description", `did you mean "description"?`}}},
		{"every unknown field is reported at once",
			header + "spec: {x: 1, inputs: [{name: a, type: string, extra: 2}]}\nz: 3\n",
			[]wantError{{"spec.inputs[0].extra", "unknown field"}, {"spec.x", "unknown field"}, {"z", "unknown field"}}},
		{"an unquoted version number is refused with a hint to quote it",
			"apiVersion: kubernaut.ai/v1alpha1\nkind: ActionContract\nmetadata: {name: a, version: 1.0}\n",
			[]wantError{{"metadata.version", "must be a string, got the number 1; quote the value"}}},
		{"a mapping where a list belongs is refused", header + "spec: {inputs: {name: a}}\n",
			[]wantError{{"spec.inputs", "must be a list, got a mapping"}}},
		{"a fractional user id is refused", header + "spec: {securityContext: {runAsUser: 1.5}}\n",
			[]wantError{{"spec.securityContext.runAsUser", "must be a 64-bit integer"}}},
		{"a quoted boolean is refused", header + "spec: {inputs: [{name: a, type: string, required: 'yes'}]}\n",
			[]wantError{{"spec.inputs[0].required", "must be a boolean"}}},
		{"a minimum too large for a float is a string to YAML and refused", header + "spec: {inputs: [{name: a, type: number, minimum: 1e999}]}\n",
			[]wantError{{"spec.inputs[0].minimum", `must be a number, got the string "1e999"`}}},
		{"an odd resource key is quoted in the path", header + "spec: {resources: {limits: {nvidia.com/gpu: [1]}}}\n",
			[]wantError{{`spec.resources.limits["nvidia.com/gpu"]`, "must be a string"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.input))
			assertFieldErrors(t, err, tt.want)
		})
	}
}

func TestValidationErrorPrintsOneProblemPerLine(t *testing.T) {
	_, err := Parse(readFixture(t, "invalid.yaml"))
	if err == nil {
		t.Fatal("Parse accepted testdata/invalid.yaml")
	}
	if *update {
		if err := os.WriteFile(filepath.Join("testdata", "invalid.golden"), []byte(err.Error()+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := strings.TrimSpace(string(readFixture(t, "invalid.golden")))
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error text differs from testdata/invalid.golden (-want +got):\n%s", diff)
	}
}

// tenMiBContract is a valid-looking contract padded with a huge description.
func tenMiBContract() []byte {
	return []byte(header + "spec:\n  description: " + strings.Repeat("x", 10<<20) + "\n")
}
