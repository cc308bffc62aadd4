// Package action is the runtime for Kubernaut action containers written in Go.
//
// An action's main function is one line:
//
//	func main() { action.Main(scale) }
//
//	func scale(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
//		replicas, err := in.Int("replicas")
//		if err != nil {
//			return nil, err
//		}
//		action.Logf(ctx, "scaling to %d replicas", replicas)
//		return action.Outputs{"previousReplicas": 3}, nil
//	}
//
// The runtime implements the container contract (DESIGN D3) so that the same image runs
// unchanged under the native Job engine, under Tekton and from a shell:
//
//   - Inputs are one JSON object, read from the first of: the environment variable
//     ACTION_INPUTS (when non-empty), the file named by ACTION_INPUTS_FILE, or standard input
//     when it is not a character device (a terminal, or /dev/null as in a container started
//     without stdin). Without any of them the action exits with [ExitInputError].
//   - When ACTION_UPSTREAM_OUTPUTS is set (the Tekton engine sets it), every output reference
//     $(steps.<step>.outputs.<key>) in the inputs is resolved from it first, with the same code
//     the Job engine's controller uses (package refs): a string that is exactly one reference
//     takes the output's JSON value and type, a reference inside a longer string is replaced by
//     the value's text. A reference it cannot resolve exits with [ExitInputError]. Without the
//     variable, references reach the action unchanged.
//   - When the image carries a contract (ACTION_CONTRACT_PATH, else /action-contract.yaml) the
//     inputs are validated and defaulted with it before the action function runs, exactly as
//     the controller does before launch, so a local run sees what a cluster run sees.
//   - Outputs are one compact JSON object printed as the last line of standard output; nothing
//     else is written to standard output. Logs go to standard error ([Logf], [Logger]).
//   - When the engine asks for it, outputs are also written to files: the whole object to
//     ACTION_OUTPUTS_PATH, and to the directory ACTION_RESULTS_DIR (Tekton: /tekton/results)
//     one file per output plus a file named "outputs" holding the whole object.
//   - The exit code says who failed: see [ExitSuccess] and the constants after it.
//
// The engine side reads the output line with [ParseOutputs]. Package actiontest runs an action
// function through this same code path in unit tests.
package action

// Exit codes of an action process. They tell the engine whether the action itself failed or
// whether it was started or finished incorrectly, which decides what a user has to fix.
const (
	// ExitSuccess: the action succeeded and its outputs are the last line of standard output.
	ExitSuccess = 0
	// ExitActionFailed: the action function returned an error or panicked. The reason is on
	// standard error; standard output carries no output line (an error is not an output).
	ExitActionFailed = 1
	// ExitInputError: the action was started wrongly: no inputs, inputs that are not a JSON
	// object, inputs the contract rejects, or a contract that cannot be read. The action
	// function did not run.
	ExitInputError = 2
	// ExitOutputError: the action function succeeded but its outputs could not be delivered:
	// not serialisable to JSON, larger than MaxOutputBytes, rejected by the contract, or not
	// writable to the files the engine asked for. No output line is printed.
	ExitOutputError = 3
)

// Environment variables read by the runtime.
const (
	// EnvInputs holds the inputs as a JSON object. Both engines set it.
	EnvInputs = "ACTION_INPUTS"
	// EnvInputsFile names a file holding the inputs as a JSON object.
	EnvInputsFile = "ACTION_INPUTS_FILE"
	// EnvContractPath names the contract file; the default is contract.DefaultPath.
	EnvContractPath = "ACTION_CONTRACT_PATH"
	// EnvOutputsPath names a file that receives the whole outputs object as JSON.
	EnvOutputsPath = "ACTION_OUTPUTS_PATH"
	// EnvUpstreamOutputs holds the outputs of the upstream steps the inputs reference, as one
	// JSON object {"<step>": {<that step's outputs object>}, ...}. When set and non-empty, the
	// runtime resolves the output references in the inputs from it before the contract
	// validates and defaults them. The Tekton engine sets it, because Tekton substitutes text
	// and cannot place an arbitrary value inside a JSON string; the Job engine resolves the
	// references in its controller and does not set it.
	EnvUpstreamOutputs = "ACTION_UPSTREAM_OUTPUTS"
	// EnvResultsDir names a directory (Tekton: /tekton/results) that receives one file per
	// output and the file [ResultOutputs] holding the whole object.
	EnvResultsDir = "ACTION_RESULTS_DIR"
)

// Size limits. Both are far above what a remediation step passes around and far below what
// could hurt the controller that parses them; an oversized document is an error, never cut.
const (
	// MaxInputBytes bounds the inputs document from any source (1 MiB, the size of the
	// largest Kubernetes object that could carry it).
	MaxInputBytes = 1 << 20
	// MaxOutputBytes bounds the output line, without its newline (64 KiB). Outputs are small
	// facts (a commit, a count, a name) that the controller stores in status; bulk data
	// belongs in a workspace.
	MaxOutputBytes = 64 << 10
)
