package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func TestEnableThenDisableRestoresTheVariables(t *testing.T) {
	info := corev1.EnvVar{Name: "LOG_LEVEL", Value: "info"}
	tests := []struct {
		name      string
		env       []corev1.EnvVar
		set       map[string]string
		wantDebug []corev1.EnvVar
	}{{
		name:      "a literal is replaced in place and put back",
		env:       []corev1.EnvVar{info, {Name: "PORT", Value: "80"}},
		set:       map[string]string{"LOG_LEVEL": "debug"},
		wantDebug: []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "debug"}, {Name: "PORT", Value: "80"}},
	}, {
		name:      "new variables are appended in name order and removed again",
		env:       []corev1.EnvVar{info},
		set:       map[string]string{"TRACE": "1", "DEBUG": "true"},
		wantDebug: []corev1.EnvVar{info, {Name: "DEBUG", Value: "true"}, {Name: "TRACE", Value: "1"}},
	}, {
		name:      "a reference is replaced by the literal and restored as the reference",
		env:       []corev1.EnvVar{dbPassword},
		set:       map[string]string{"DB_PASSWORD": "x"},
		wantDebug: []corev1.EnvVar{{Name: "DB_PASSWORD", Value: "x"}},
	}, {
		name:      "a container without variables gets one and loses it again",
		env:       nil,
		set:       map[string]string{"LOG_LEVEL": "debug"},
		wantDebug: []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "debug"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug, rec, err := enableEnv(tt.env, tt.set, record{Container: "app"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantDebug, debug); diff != "" {
				t.Errorf("enabled (-want +got):\n%s", diff)
			}
			// The record survives its annotation.
			rec, _, err = parseRecord(map[string]string{RecordAnnotation: rec.encode()})
			if err != nil {
				t.Fatal(err)
			}
			restored, err := disableEnv(debug, rec)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(normalizeEnv(tt.env), normalizeEnv(restored)); diff != "" {
				t.Errorf("restored (-original +got):\n%s", diff)
			}
		})
	}
}

func TestASecondEnableKeepsTheValuesFromBeforeTheFirst(t *testing.T) {
	env := []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}}
	first, rec, _ := enableEnv(env, map[string]string{"LOG_LEVEL": "debug"}, record{Container: "app"})
	second, rec, err := enableEnv(first, map[string]string{"LOG_LEVEL": "trace", "TRACE": "1"}, rec)
	if err != nil {
		t.Fatal(err)
	}

	restored, err := disableEnv(second, rec)

	if err != nil || !cmp.Equal(env, restored) {
		t.Errorf("restored %v, %v; want %v", restored, err, env)
	}
}

func TestDisableAppendsAVariableSomeoneRemovedMeanwhile(t *testing.T) {
	rec := record{Container: "app", Env: map[string]*corev1.EnvVar{"LOG_LEVEL": {Name: "LOG_LEVEL", Value: "info"}}}

	restored, err := disableEnv([]corev1.EnvVar{{Name: "PORT", Value: "80"}}, rec)

	want := []corev1.EnvVar{{Name: "PORT", Value: "80"}, {Name: "LOG_LEVEL", Value: "info"}}
	if err != nil || !cmp.Equal(want, restored) {
		t.Errorf("restored %v, %v; want %v", restored, err, want)
	}
}

func TestParseRecordRefusesWhatItDidNotWrite(t *testing.T) {
	for _, raw := range []string{"on", "{}", `{"env":{}}`, "[1]"} {
		if _, ok, err := parseRecord(map[string]string{RecordAnnotation: raw}); !ok || err == nil || !strings.Contains(err.Error(), "not a record this action wrote") {
			t.Errorf("parseRecord(%q) = ok %t, %v; want a refusal", raw, ok, err)
		}
	}
	if _, ok, err := parseRecord(nil); ok || err != nil {
		t.Errorf("parseRecord(nil) = ok %t, %v; want no record and no error", ok, err)
	}
}

func TestDescribeVarNamesReferencesWithoutReadingThem(t *testing.T) {
	got := describeEnv([]corev1.EnvVar{dbPassword, {Name: "A", Value: "1"}}, []string{"A", "DB_PASSWORD", "B"})

	want := map[string]any{"A": "1", "DB_PASSWORD": "(from secret db key password)", "B": nil}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
