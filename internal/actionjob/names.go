package actionjob

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
)

// MaxNameLength is the longest child name: a DNS-1123 label, the strictest name rule among the
// objects created (a Job's name becomes a label value on its pods, so it must fit 63 characters).
const MaxNameLength = validation.DNS1123LabelMaxLength

// hashLength is the number of hex digits of the SHA-256 that stand in for what does not fit.
// 64 bits make an accidental collision between two ActionExecutions of one namespace
// practically impossible.
const hashLength = 16

// ChildName derives the name of a child object from its parent's name and a suffix:
// "<parent>-<suffix>" ("<parent>" for an empty suffix) when that is a DNS-1123 label of at most
// 63 characters. Otherwise, because it is too long or holds characters a label cannot (a parent
// name with dots), it is "<parent, cleaned and cut>-<hash>-<suffix>", where hash is 16 hex
// digits of the SHA-256 of the full "<parent>-<suffix>": distinct inputs keep distinct names,
// and the suffix stays readable at the end.
//
// The result is always a valid DNS-1123 label, and the same for the same input in every
// controller version: it is how a restarted controller finds the child it created. Like
// Knative's kmeta.ChildName it names the joined string, so ("a-b", "c") and ("a", "b-c") share
// "a-b-c": on AlreadyExists, check OwnedBy before taking the object for one's own.
func ChildName(parent, suffix string) string {
	full := parent
	if suffix != "" {
		full = parent + "-" + suffix
	}
	if len(validation.IsDNS1123Label(full)) == 0 {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	tail := hex.EncodeToString(sum[:])[:hashLength]
	if s := labelChars(suffix); s != "" && len(tail)+1+len(s) <= MaxNameLength {
		tail += "-" + s
	}
	head := labelChars(parent)
	if room := MaxNameLength - len(tail) - 1; len(head) > room {
		head = strings.TrimRight(head[:max(room, 0)], "-")
	}
	if head == "" {
		return tail
	}
	return head + "-" + tail
}

// labelChars lower-cases s, replaces every character a DNS label cannot hold with '-', and
// trims dashes from both ends.
func labelChars(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			b[i] = '-'
		}
	}
	return strings.Trim(string(b), "-")
}

// JobName is the name of the Job that runs ae: the ActionExecution's own name when it is a
// label of at most 63 characters, so that `kubectl logs job/<name>` needs no lookup.
func JobName(ae *executionv1alpha1.ActionExecution) string { return ChildName(ae.Name, "") }

// RBACName is the name of the ServiceAccount, Role and RoleBinding of ae. The "-action" suffix
// keeps it apart from ServiceAccounts people create: a name taken by someone else's
// ServiceAccount must never receive the contract's permissions (see OwnedBy).
func RBACName(ae *executionv1alpha1.ActionExecution) string { return ChildName(ae.Name, "action") }

// ClusterRBACName is the name of the ClusterRole and ClusterRoleBinding of ae. It includes the
// namespace, because cluster-scoped names are shared by all namespaces, and always carries the
// hash: the dot between namespace and name (a namespace has none) keeps every pair distinct.
func ClusterRBACName(ae *executionv1alpha1.ActionExecution) string {
	return ChildName("kubernaut."+ae.Namespace+"."+ae.Name, "action")
}

// Labels and annotations on the objects this package builds.
const (
	// LabelManagedBy and ManagedBy mark every object Kubernaut creates.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "kubernaut"
	// LabelActionExecution holds the ActionExecution's name (shortened like ChildName when it
	// is longer than a label value may be; select by LabelActionExecutionUID to be exact).
	LabelActionExecution = "kubernaut.ai/action-execution"
	// LabelActionType holds the action type with "/" replaced by "." (a label value cannot hold
	// "/"; group and name hold no ".", so the mapping is one to one).
	LabelActionType = "kubernaut.ai/action-type"
	// LabelActionExecutionUID and LabelActionExecutionNamespace are set on cluster-scoped
	// objects, which cannot have an owner reference to a namespaced ActionExecution; the
	// controller finds and deletes them by these labels.
	LabelActionExecutionUID       = "kubernaut.ai/action-execution-uid"
	LabelActionExecutionNamespace = "kubernaut.ai/action-execution-namespace"
	// AnnotationActionExecution holds "<namespace>/<name>" of the ActionExecution on
	// cluster-scoped objects, unshortened, for people reading them.
	AnnotationActionExecution = "kubernaut.ai/action-execution"
)

// Labels returns the labels of ae's namespaced children and of its Job's pods.
func Labels(ae *executionv1alpha1.ActionExecution) map[string]string {
	return map[string]string{
		LabelManagedBy:       ManagedBy,
		LabelActionExecution: labelValue(ae.Name),
		LabelActionType:      labelValue(strings.Replace(ae.Spec.ActionType, "/", ".", 1)),
	}
}

// clusterLabels returns the labels of ae's cluster-scoped children.
func clusterLabels(ae *executionv1alpha1.ActionExecution) map[string]string {
	l := Labels(ae)
	l[LabelActionExecutionUID] = string(ae.UID)
	l[LabelActionExecutionNamespace] = ae.Namespace
	return l
}

// labelValue returns s when it is a valid label value, else a ChildName-style shortening.
func labelValue(s string) string {
	if len(validation.IsValidLabelValue(s)) == 0 {
		return s
	}
	return ChildName(s, "")
}

// OwnedBy reports whether obj, found under one of ae's child names, was created for ae: a
// namespaced object must have ae as its controller, a cluster-scoped one must carry ae's UID
// label. The controller checks it on AlreadyExists, so that an object someone else created
// under that name (or one left by a deleted ActionExecution of the same name) is never taken
// for its own.
func OwnedBy(obj metav1.Object, ae *executionv1alpha1.ActionExecution) bool {
	if obj.GetNamespace() != "" {
		return metav1.IsControlledBy(obj, ae)
	}
	return ae.UID != "" && obj.GetLabels()[LabelActionExecutionUID] == string(ae.UID)
}

// ownerReference makes ae the controller of a namespaced child. BlockOwnerDeletion keeps a
// foreground deletion of ae waiting for its children, as controllerutil.SetControllerReference
// does.
func ownerReference(ae *executionv1alpha1.ActionExecution) metav1.OwnerReference {
	return *metav1.NewControllerRef(ae, executionv1alpha1.GroupVersion.WithKind(executionv1alpha1.ActionExecutionKind))
}
