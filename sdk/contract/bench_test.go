package contract

import (
	"strconv"
	"strings"
	"testing"
)

func BenchmarkParseFullContract(b *testing.B) {
	data := readFixture(b, "scale-deployment.yaml")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseLargestEnum parses a contract of nearly MaxSize holding one enum of distinct
// integers; duplicate detection must stay linear so a hostile image cannot stall the controller.
func BenchmarkParseLargestEnum(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(header + "spec:\n  inputs:\n  - name: count\n    type: integer\n    enum: [0")
	for i := 1; sb.Len() < MaxSize-16; i++ {
		sb.WriteString("," + strconv.Itoa(i))
	}
	sb.WriteString("]\n")
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyInputsJSON(b *testing.B) {
	c := mustParse(b, readFixture(b, "scale-deployment.yaml"))
	data := []byte(`{"namespace": "prod", "deployment": "web", "replicas": 3, "strategy": "immediate"}`)
	for b.Loop() {
		if _, err := c.ApplyInputsJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}
