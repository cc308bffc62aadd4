// Package apiservertest proves the objects package actionjob builds against a real
// kube-apiserver (tier 2): the API server accepts them, a pod from the Job's template passes the
// restricted Pod Security profile, and the API server's RBAC escalation check refuses exactly
// what actionjob.CheckCeiling refuses. It holds only tests; the control plane is built by
// `make test-tools`.
package apiservertest
