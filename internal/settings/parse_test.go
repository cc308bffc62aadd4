package settings

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

// shippedConfigMap is the kubernaut-config that config/default installs.
var shippedConfigMap = filepath.Join("..", "..", "config", "manager", "kubernaut_config.yaml")

func TestShippedConfigMapHoldsExactlyTheDefaults(t *testing.T) {
	raw, err := os.ReadFile(shippedConfigMap)
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(raw, &cm); err != nil {
		t.Fatalf("fixture is not a ConfigMap: %v", err)
	}
	if cm.Name != ConfigMapName {
		t.Errorf("fixture name = %q, want %q", cm.Name, ConfigMapName)
	}
	got, err := Parse(cm.Data)
	if err != nil {
		t.Fatalf("Parse(fixture): %v", err)
	}
	if diff := cmp.Diff(Defaults(), got); diff != "" {
		t.Errorf("fixture differs from Defaults() (-want +got):\n%s", diff)
	}
	documented := slices.Sorted(func(yield func(string) bool) {
		for k := range cm.Data {
			if !yield(k) {
				return
			}
		}
	})
	if diff := cmp.Diff(Keys(), documented); diff != "" {
		t.Errorf("fixture must document every key (-known +documented):\n%s", diff)
	}
}

func TestKeysAreSortedAndAllKnown(t *testing.T) {
	if !slices.IsSorted(Keys()) {
		t.Errorf("Keys() not sorted: %v", Keys())
	}
	for _, k := range Keys() {
		s := Defaults()
		if err := s.apply(k, ""); errors.Is(err, ErrUnknownKey) {
			t.Errorf("Keys() lists %q, which Parse does not know", k)
		}
	}
}

// with returns Defaults changed by f, for expected values in tables.
func with(f func(*Settings)) Settings {
	s := Defaults()
	f(&s)
	return s
}

func TestParseAcceptsValidValues(t *testing.T) {
	tests := []struct {
		name string
		data map[string]string
		want Settings
	}{
		{"no data gives the defaults", nil, Defaults()},
		{"one parallel step is the lower bound", map[string]string{KeyMaxParallelSteps: "1"},
			with(func(s *Settings) { s.MaxParallelSteps = 1 })},
		{"a hundred parallel steps is the upper bound", map[string]string{KeyMaxParallelSteps: "100"},
			with(func(s *Settings) { s.MaxParallelSteps = 100 })},
		{"values are trimmed of surrounding blanks", map[string]string{KeyMaxParallelSteps: " 7\n"},
			with(func(s *Settings) { s.MaxParallelSteps = 7 })},
		{"the workspace takes size, class and access mode",
			map[string]string{KeyWorkspaceSize: "500Mi", KeyWorkspaceClass: "fast-ssd.example.com", KeyWorkspaceAccessMode: "ReadWriteMany"},
			with(func(s *Settings) {
				s.Workspace = WorkspaceSettings{Size: resource.MustParse("500Mi"), StorageClassName: "fast-ssd.example.com", AccessMode: corev1.ReadWriteMany}
			})},
		{"read-write-once-pod is an access mode", map[string]string{KeyWorkspaceAccessMode: "ReadWriteOncePod"},
			with(func(s *Settings) { s.Workspace.AccessMode = corev1.ReadWriteOncePod })},
		{"timeouts at their bounds are accepted",
			map[string]string{KeyStepTimeout: "24h", KeyWorkflowTimeout: "168h"},
			with(func(s *Settings) { s.StepTimeout, s.WorkflowTimeout = 24*time.Hour, 168*time.Hour })},
		{"the shortest timeouts are one second", map[string]string{KeyStepTimeout: "1s", KeyWorkflowTimeout: "1000ms"},
			with(func(s *Settings) { s.StepTimeout, s.WorkflowTimeout = time.Second, time.Second })},
		{"a backoff cap equal to the base is accepted",
			map[string]string{KeyRetryBackoffBase: "100ms", KeyRetryBackoffCap: "100ms"},
			with(func(s *Settings) { s.Retry = RetrySettings{Base: 100 * time.Millisecond, Cap: 100 * time.Millisecond} })},
		{"the backoff bounds are an hour and a day",
			map[string]string{KeyRetryBackoffBase: "1h", KeyRetryBackoffCap: "24h"},
			with(func(s *Settings) { s.Retry = RetrySettings{Base: time.Hour, Cap: 24 * time.Hour} })},
		{"tekton routing takes every rule",
			map[string]string{KeyTektonEnabled: "true", KeyTektonWorkflowTypes: " gitops-pr-creation, rollout ,,gitops-pr-creation,",
				KeyTektonMinSteps: "10", KeyTektonPercent: "100"},
			with(func(s *Settings) {
				s.Tekton = TektonSettings{Enabled: true, WorkflowTypes: []string{"gitops-pr-creation", "rollout"}, MinSteps: 10, Percent: 100}
			})},
		{"an empty workflow type list routes no type", map[string]string{KeyTektonWorkflowTypes: " , "}, Defaults()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRejectsInvalidValues(t *testing.T) {
	duration := func(v, lo, hi string) string {
		return `"` + v + `" must be a duration from ` + lo + ` to ` + hi + `, such as 90s or 5m`
	}
	tests := []struct {
		name, key, value, reason string
	}{
		{"zero parallel steps", KeyMaxParallelSteps, "0", `"0" must be an integer from 1 to 100`},
		{"a hundred and one parallel steps", KeyMaxParallelSteps, "101", `"101" must be an integer from 1 to 100`},
		{"a fraction of parallel steps", KeyMaxParallelSteps, "2.5", `"2.5" must be an integer from 1 to 100`},
		{"an empty number", KeyMaxParallelSteps, "", `"" must be an integer from 1 to 100`},
		{"a size that is no quantity", KeyWorkspaceSize, "lots", `"lots" must be a quantity such as 1Gi or 500Mi`},
		{"a zero size", KeyWorkspaceSize, "0Gi", `"0Gi" must be greater than zero`},
		{"a negative size", KeyWorkspaceSize, "-1Gi", `"-1Gi" must be greater than zero`},
		{"a storage class with capitals", KeyWorkspaceClass, "Fast_SSD",
			`"Fast_SSD" must be a storage class name (a DNS-1123 subdomain), or empty for the cluster's default class`},
		{"an abbreviated access mode", KeyWorkspaceAccessMode, "RWX",
			`"RWX" must be one of ReadWriteOnce, ReadWriteMany, ReadWriteOncePod`},
		{"a step timeout below a second", KeyStepTimeout, "999ms", duration("999ms", "1s", "24h")},
		{"a step timeout above a day", KeyStepTimeout, "24h1s", duration("24h1s", "1s", "24h")},
		{"a step timeout in days, which Go durations lack", KeyStepTimeout, "1d", duration("1d", "1s", "24h")},
		{"a workflow timeout above a week", KeyWorkflowTimeout, "169h", duration("169h", "1s", "168h")},
		{"a workflow timeout without a unit", KeyWorkflowTimeout, "30", duration("30", "1s", "168h")},
		{"a backoff base above an hour", KeyRetryBackoffBase, "61m", duration("61m", "100ms", "1h")},
		{"a backoff cap below 100ms", KeyRetryBackoffCap, "99ms", duration("99ms", "100ms", "24h")},
		{"a negative backoff cap", KeyRetryBackoffCap, "-5m", duration("-5m", "100ms", "24h")},
		{"a yes for a boolean", KeyTektonEnabled, "yes", `"yes" must be true or false`},
		{"workflow types separated by spaces", KeyTektonWorkflowTypes, "a b, c",
			`item "a b" contains blanks; separate items with commas`},
		{"a negative minimum of steps", KeyTektonMinSteps, "-1", `"-1" must be an integer from 0 to 1000000`},
		{"a percent above a hundred", KeyTektonPercent, "101", `"101" must be an integer from 0 to 100`},
		{"a percent with a sign", KeyTektonPercent, "50%", `"50%" must be an integer from 0 to 100`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is rejected", func(t *testing.T) {
			got, err := Parse(map[string]string{tt.key: tt.value})
			want := `kubernaut-config: key "` + tt.key + `": ` + tt.reason
			if err == nil || err.Error() != want {
				t.Fatalf("Parse error = %v\nwant %s", err, want)
			}
			if !errors.Is(err, ErrInvalidValue) || errors.Is(err, ErrUnknownKey) {
				t.Errorf("error %v must match ErrInvalidValue only", err)
			}
			if diff := cmp.Diff(Settings{}, got); diff != "" {
				t.Errorf("Parse returned settings along with an error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRejectsABackoffCapBelowTheBase(t *testing.T) {
	_, err := Parse(map[string]string{KeyRetryBackoffBase: "1m", KeyRetryBackoffCap: "30s"})
	want := `kubernaut-config: key "retry.backoffCap": 30s must not be less than retry.backoffBase (1m0s)`
	if err == nil || err.Error() != want {
		t.Fatalf("Parse error = %v\nwant %s", err, want)
	}
	_, err = Parse(map[string]string{KeyRetryBackoffBase: "10m"}) // above the default cap of 5m
	if !errors.Is(err, ErrInvalidValue) {
		t.Errorf("a base above the default cap: error = %v, want ErrInvalidValue", err)
	}
}

func TestParseReportsUnknownKeysWithASuggestion(t *testing.T) {
	tests := []struct {
		name, key, reason string
	}{
		{"a dropped letter suggests the key", "maxParalelSteps", `unknown key; did you mean "maxParallelSteps"?`},
		{"a case slip suggests the key", "MaxParallelSteps", `unknown key; did you mean "maxParallelSteps"?`},
		{"two swapped letters suggest the key", "tekton.ebanled", `unknown key; did you mean "tekton.enabled"?`},
		{"a nested-looking key gets the flat one", "tekton.percents", `unknown key; did you mean "tekton.percent"?`},
		{"an unrelated key lists the known keys", "parallelism",
			"unknown key; known keys are " + strings.Join(Keys(), ", ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(map[string]string{tt.key: "1"})
			want := `kubernaut-config: key "` + tt.key + `": ` + tt.reason
			if err == nil || err.Error() != want {
				t.Fatalf("Parse error = %v\nwant %s", err, want)
			}
			if !errors.Is(err, ErrUnknownKey) {
				t.Errorf("errors.Is(%v, ErrUnknownKey) = false", err)
			}
		})
	}
}

func TestParseReportsEveryProblemInKeyOrder(t *testing.T) {
	_, err := Parse(map[string]string{
		KeyTektonPercent:    "200",
		KeyMaxParallelSteps: "0",
		"maxParallelStep":   "3",
		KeyStepTimeout:      "5m", // valid: not reported
	})
	var got []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ke *KeyError
		if !errors.As(e, &ke) {
			t.Fatalf("%T is not a *KeyError", e)
		}
		got = append(got, ke.Key)
	}
	if diff := cmp.Diff([]string{"maxParallelStep", KeyMaxParallelSteps, KeyTektonPercent}, got); diff != "" {
		t.Errorf("error keys (-want +got):\n%s", diff)
	}
}
