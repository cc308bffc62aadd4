// Package tekton translates a WorkflowExecution into one Tekton PipelineRun and maps the
// PipelineRun and its TaskRuns back to per-step status with the same phases and reasons as the
// Job engine (DESIGN D7). It is pure: it builds and reads typed objects of
// github.com/tektoncd/pipeline v1.15.1 (pkg/apis/pipeline/v1) and never calls the API server.
//
// Every step runs the generic meta-Task kubernaut-action (MetaTaskSpec), embedded in the
// PipelineRun so that the controller never depends on a Task object existing in the namespace;
// config/tekton ships the same definition, generated from MetaTask by hack/gen-tekton.
//
// Inputs and outputs cross Tekton as text, and Tekton substitutes "$(...)" expressions in that
// text, so two rules keep every value intact:
//   - Output references $(steps.<step>.outputs.<key>) are resolved inside the container by the
//     action runtime (sdk/action, ACTION_UPSTREAM_OUTPUTS), with the same code (sdk/refs) as the
//     Job engine's controller. The PipelineRun passes each referenced step's whole outputs
//     object, `{"a":$(tasks.a.results.outputs)}`: a JSON object substituted as a JSON value
//     stays valid JSON whatever it holds, where a value substituted inside a JSON string would
//     break on the first quote.
//   - Every "$" of the inputs, and of the SDK's outputs result, is written as the JSON escape
//     \u0024, so that no text a user or an action wrote can be read by Tekton as a variable.
package tekton
