package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/internal/manager"
)

func TestParseFlags(t *testing.T) {
	withDefaults := func(mutate func(*manager.Options)) manager.Options {
		o := manager.DefaultOptions()
		mutate(&o)
		return o
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want manager.Options
	}{{
		name: "without flags the ADR-020 limits, leader election and kubernaut-system apply",
		want: withDefaults(func(o *manager.Options) {
			o.QPS, o.Burst, o.LeaderElect, o.Namespace = 20, 30, true, "kubernaut-system"
		}),
	}, {
		name: "POD_NAMESPACE from the downward API is the controller's namespace",
		env:  map[string]string{"POD_NAMESPACE": "ops"},
		want: withDefaults(func(o *manager.Options) { o.Namespace = "ops" }),
	}, {
		name: "flags override the environment and the defaults",
		args: []string{"--namespace=team", "--leader-elect=false", "--kube-api-qps=50", "--kube-api-burst=80",
			"--max-concurrent-reconciles=8", "--max-concurrent-workflow-reconciles=4", "--metrics-bind-address=0",
			"--watch-namespace=a", "--watch-namespace=b", "--setting=maxParallelSteps=10", "--setting", "step.timeout=2m",
			"--tekton-recheck-interval=1m"},
		env: map[string]string{"POD_NAMESPACE": "ops"},
		want: withDefaults(func(o *manager.Options) {
			o.Namespace, o.LeaderElect, o.QPS, o.Burst = "team", false, 50, 80
			o.MaxConcurrentReconciles, o.MaxConcurrentWorkflowReconciles = 8, 4
			o.MetricsBindAddress, o.WatchNamespaces = "0", []string{"a", "b"}
			o.TektonRecheckInterval = time.Minute
			o.SettingOverrides = map[string]string{"maxParallelSteps": "10", "step.timeout": "2m"}
		}),
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := parseFlags(tc.args, func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatalf("parseFlags: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseFlagsRefusesPositionalArguments(t *testing.T) {
	if _, _, err := parseFlags([]string{"run"}, func(string) string { return "" }); err == nil {
		t.Fatal("parseFlags accepted a positional argument")
	}
}

func TestParseFlagsRefusesInvalidSettings(t *testing.T) {
	for _, args := range [][]string{{"--setting=maxParallelSteps"}, {"--setting=maxParallelSteps=0"}, {"--setting=noSuchKey=1"}} {
		if _, _, err := parseFlags(args, func(string) string { return "" }); err == nil {
			t.Errorf("parseFlags(%q) accepted an invalid setting", args)
		}
	}
}
