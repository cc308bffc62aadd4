// Command gen-tekton writes config/tekton/kubernaut-action.yaml, the meta-Task every step of the
// Tekton engine runs, from the Go definition the controller embeds in its PipelineRuns
// (internal/tekton.MetaTask). A test in internal/tekton fails when the committed file differs.
//
//	go run ./hack/gen-tekton [-o config/tekton/kubernaut-action.yaml]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kubernaut/kubernaut/internal/tekton"
)

func main() {
	out := flag.String("o", "config/tekton/kubernaut-action.yaml", "file to write")
	flag.Parse()
	data, err := tekton.MetaTaskYAML()
	if err == nil {
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen-tekton: %v\n", err)
		os.Exit(1)
	}
}
