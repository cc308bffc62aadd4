// Package kubeapply holds what the dev cluster's installers share: applying rendered objects in
// dependency order with server-side apply, waiting for CRDs and Deployments, and describing a
// Deployment that does not become available the way `kubectl describe` would. Kubernaut's own
// deployment (internal/devcluster/deploy) and Tekton's (internal/devcluster/tekton) use it.
package kubeapply
