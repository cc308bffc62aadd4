// Package actionexecution holds the controller that runs one ActionExecution as a Kubernetes Job.
//
// Before anything is created, the reconciler resolves the action type in the action registry,
// reads the image pull secrets of the ServiceAccount the run's pod will run as, verifies the
// signature of the registry's image digest and reads the ActionContract from that same verified
// digest with those credentials, validates the inputs, checks the contract's security settings and permissions
// against the baseline and the ceiling, and only then creates the ServiceAccount, RBAC and the Job
// (DESIGN D4-D6). Every refusal is terminal, recorded with a reason constant of the API package,
// and leaves nothing behind. Once the Job exists, the reconciler mirrors its status and, when it
// completes, reads the action's outputs from the finished pod.
//
// With spec.engine tekton the same steps run, from the same code, but no Job is created: the
// reconciler records in status.prepared what the Job would have run (image digest,
// ServiceAccount, pull secrets, resources, security context, inputs) and ends in phase Prepared,
// and the workflow's Tekton PipelineRun runs the action (DESIGN D7). Inputs holding references to
// earlier steps' outputs are validated by the action's SDK at run time instead.
//
// Child names are deterministic, so a restarted controller finds the Job it created instead of
// creating another: AlreadyExists counts as success.
package actionexecution
