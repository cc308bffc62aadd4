package action_test

import (
	"fmt"
	"os"

	"github.com/kubernaut/kubernaut/sdk/action"
)

func ExampleParseOutputs() {
	stdout := []byte("Cloning into '/workspace'...\n{\"commitSHA\":\"abc123\",\"files\":42}\n")
	out, err := action.ParseOutputs(stdout)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out["commitSHA"], out["files"])
	// Output: abc123 42
}

func ExampleWriteOutputs() {
	_ = action.WriteOutputs(os.Stdout, action.Outputs{"replicas": 3, "note": "line 1\nline 2"})
	// Output: {"note":"line 1\nline 2","replicas":3}
}

func ExampleInputs_Decode() {
	in, _ := action.NewInputs(map[string]any{"deployment": "web", "replicas": 3})
	var args struct {
		Deployment string `json:"deployment"`
		Replicas   int32  `json:"replicas"`
	}
	if err := in.Decode(&args); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s=%d\n", args.Deployment, args.Replicas)
	// Output: web=3
}
