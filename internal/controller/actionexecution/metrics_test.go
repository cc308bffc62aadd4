package actionexecution_test

import (
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// metricValue returns the value of the counter, or the sample count of the histogram, named
// name with exactly the given labels, from controller-runtime's registry (what the manager's
// metrics endpoint serves); 0 when there is none.
func metricValue(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue metric
				}
			}
			if h := m.GetHistogram(); h != nil {
				return float64(h.GetSampleCount())
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
