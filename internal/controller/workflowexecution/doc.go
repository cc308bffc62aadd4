// Package workflowexecution holds the controller that runs a WorkflowExecution: a DAG of steps,
// each a signed action run as its own ActionExecution (the Job engine, DESIGN D6).
//
// A reconcile is a list of steps. The workflow is validated once (duplicate names, unknown
// runAfter, cycles, output references) before anything exists; the engine is decided once and
// recorded in status; then the engine gathers facts from the status and from the child
// ActionExecutions, lets the pure scheduler (internal/workflow/schedule) decide, and acts: it
// creates the workspace PersistentVolumeClaim before the first step that uses it, creates one
// ActionExecution per attempt under a deterministic name, deletes the children of stopped steps,
// and releases the workspace when the workflow ends. Status is written once per reconcile, and
// events are emitted from the difference the write recorded.
//
// Attempts are counted from the status and from the children that exist, whichever is more, and
// each attempt's child has a name derived from the workflow, the step and the attempt number:
// a controller that restarts, or whose status write was lost, finds the child it created instead
// of creating a second one.
package workflowexecution
