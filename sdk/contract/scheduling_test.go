package contract

import (
	"strings"
	"testing"
)

func TestSchedulingTolerateCordonedNodesParsesAndDefaultsToFalse(t *testing.T) {
	if c := mustParse(t, []byte(header+"spec: {}\n")); c.TolerateCordonedNodes() {
		t.Error("a contract without spec.scheduling tolerates cordoned nodes, want not")
	}
	c := mustParse(t, []byte(header+"spec:\n  scheduling:\n    tolerateCordonedNodes: true\n"))
	if !c.TolerateCordonedNodes() {
		t.Error("spec.scheduling.tolerateCordonedNodes: true was not kept")
	}
	_, err := Parse([]byte(header + "spec:\n  scheduling:\n    tolerations: []\n"))
	if err == nil || !strings.Contains(err.Error(), "spec.scheduling.tolerations: unknown field") {
		t.Errorf("general tolerations: error %v, want spec.scheduling.tolerations refused as an unknown field", err)
	}
}
