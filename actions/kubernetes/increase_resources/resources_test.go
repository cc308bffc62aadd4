package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

// requirements builds ResourceRequirements from "cpu=100m" style entries.
func requirements(requests, limits []string) corev1.ResourceRequirements {
	list := func(entries []string) corev1.ResourceList {
		if entries == nil {
			return nil
		}
		l := corev1.ResourceList{}
		for _, e := range entries {
			name, q, _ := strings.Cut(e, "=")
			l[corev1.ResourceName(name)] = resource.MustParse(q)
		}
		return l
	}
	return corev1.ResourceRequirements{Requests: list(requests), Limits: list(limits)}
}

func TestNewResources(t *testing.T) {
	current := requirements([]string{"cpu=100m", "memory=256Mi"}, []string{"cpu=1", "memory=512Mi"})
	tests := []struct {
		name          string
		current       *corev1.ResourceRequirements // nil: cpu 100m/1, memory 256Mi/512Mi
		changes       map[string]string
		allowDecrease bool
		want          map[string]string // field -> value after, for the fields that matter
		wantErr       string
	}{{
		name:    "a factor multiplies and rounds memory up to a whole MiB",
		changes: map[string]string{"memoryLimit": "x1.5", "memoryRequest": "x1.3"},
		want:    map[string]string{"memoryLimit": "768Mi", "memoryRequest": "333Mi"},
	}, {
		name:    "a factor rounds CPU up to a whole millicore",
		changes: map[string]string{"cpuRequest": "x1.333"},
		want:    map[string]string{"cpuRequest": "134m", "cpuLimit": "1"},
	}, {
		name:    "an absolute quantity replaces the value",
		changes: map[string]string{"cpuLimit": "2", "memoryLimit": "1Gi"},
		want:    map[string]string{"cpuLimit": "2", "memoryLimit": "1Gi", "cpuRequest": "100m"},
	}, {
		name:    "the same value in another notation keeps the current notation",
		changes: map[string]string{"cpuLimit": "1000m"},
		want:    map[string]string{"cpuLimit": "1"},
	}, {
		name:    "a decrease is refused",
		changes: map[string]string{"memoryLimit": "x0.5"},
		wantErr: `input "memoryLimit" would lower the memory limit from 512Mi to 256Mi; set allowDecrease: true`,
	}, {
		name:          "a decrease is allowed when asked",
		changes:       map[string]string{"memoryLimit": "384Mi"},
		allowDecrease: true,
		want:          map[string]string{"memoryLimit": "384Mi"},
	}, {
		name:    "a request above the limit is refused with the fix",
		changes: map[string]string{"memoryRequest": "1Gi"},
		wantErr: "the memory request 1Gi would be above the memory limit 512Mi; raise the limit in the same step",
	}, {
		name:    "a factor of an unset value is refused",
		current: ptr.To(requirements([]string{"cpu=100m"}, nil)),
		changes: map[string]string{"memoryLimit": "x2"},
		wantErr: `input "memoryLimit" is the factor x2, but the container has no memory limit to multiply`,
	}, {
		name:    "an absolute value may set an unset one",
		current: ptr.To(requirements(nil, nil)),
		changes: map[string]string{"memoryLimit": "1Gi"},
		want:    map[string]string{"memoryLimit": "1Gi", "memoryRequest": ""},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := ptr.Deref(tt.current, current)
			changes := map[string]change{}
			for in, v := range tt.changes {
				c, err := parseChange(in, v)
				if err != nil {
					t.Fatal(err)
				}
				changes[in] = c
			}

			got, err := newResources(cur, changes, tt.allowDecrease)

			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			gotValues := map[string]string{}
			for _, f := range fields {
				if _, ok := tt.want[f.Input]; ok {
					gotValues[f.Input] = quantityString(got, f)
				}
			}
			if diff := cmp.Diff(tt.want, gotValues); diff != "" {
				t.Errorf("values after (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseChangeRefusesWhatIsNeitherAQuantityNorAFactor(t *testing.T) {
	for _, value := range []string{"x0", "x-1", "xy", "0", "lots"} {
		if _, err := parseChange("memoryLimit", value); err == nil || !strings.Contains(err.Error(), `input "memoryLimit"`) {
			t.Errorf("parseChange(%q) error = %v, want one naming the input", value, err)
		}
	}
}
