// Package actionjob turns a verified ActionExecution into the Kubernetes objects that run it: a
// Job, and a ServiceAccount with a Role and ClusterRole holding exactly the contract's
// permissions (DESIGN D5, D6). Everything here is pure: builders and checks over values, no
// client calls, so that the controller gathers facts, decides here and then acts.
//
// Decisions a reader of the generated objects should know:
//
//   - Names are deterministic (ChildName), so a restarted controller finds the objects it
//     created: AlreadyExists means "already done" once OwnedBy confirms the object is ours. The
//     naming scheme is part of the upgrade contract: changing it would make a new controller
//     version create a second Job for a running ActionExecution.
//   - Namespaced objects are owned (controller reference) by the ActionExecution and garbage
//     collected with it. Cluster-scoped objects (ClusterRole, ClusterRoleBinding) cannot have a
//     namespaced owner, so they carry labels with the ActionExecution's UID, namespace and name
//     (LabelActionExecutionUID, ...) and the controller must delete them itself: when the run
//     finishes (the action needs its permissions only while it runs) and, through a finalizer,
//     when the ActionExecution is deleted before that.
//   - The pod runs under the restricted Pod Security profile whatever the contract says; a
//     contract may only tighten it (CheckSecurity refuses the rest). The root filesystem is
//     read-only; /tmp is an emptyDir of DefaultTmpSize.
//   - Credentials (spec.credentials) are Secrets mounted read-only, each as its own secret
//     volume at /var/run/secrets/kubernaut/<name>/, files mode 0440 and the pod's fsGroup set to
//     the action's group so that the non-root action can read them (CredentialVolumes). Never
//     environment variables: a pod's environment is readable by anyone who can read the pod.
//   - Every container has limits: a contract without them gets DefaultCPULimit and
//     DefaultMemoryLimit (and small default requests), never an unbounded pod.
//   - dnsPolicy is ClusterFirst: remediation actions call in-cluster services by name
//     (Prometheus, a Git server), which the node's resolver cannot resolve. On a cluster without
//     cluster DNS the kubelet falls back to the node's resolver, so nothing breaks there.
//   - Service links are off (enableServiceLinks false): actions reach services by DNS, and the
//     variables of every Service in the namespace would only leak names into the action's
//     environment. The kubelet still sets KUBERNETES_SERVICE_HOST/PORT for client-go.
//   - Outputs: the SDK prints them as the last stdout line and, because the Job sets
//     ACTION_OUTPUTS_PATH to the termination message path, also writes them there. The
//     controller reads the terminated container's message first (no pods/log access needed,
//     and stderr lines cannot interleave) and falls back to a bounded log tail when the message
//     is empty or may have been cut at the kubelet's 4 KiB limit (OutputsFromTerminationMessage).
//   - ttlSecondsAfterFinished is unset: the ActionExecution owns the Job, and deleting it
//     deletes the Job; a TTL would remove the evidence while the ActionExecution still refers
//     to it.
package actionjob
