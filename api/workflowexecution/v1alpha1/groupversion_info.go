// Package v1alpha1 holds the workflowexecution.kubernaut.ai/v1alpha1 API: WorkflowExecution, a
// remediation workflow whose steps are signed, contract-bound actions run in dependency order.
//
// The package depends on k8s.io/apimachinery and the execution API only, so that the CLI and
// third parties can import the types without controller-runtime. The CustomResourceDefinition in
// config/crd/bases and zz_generated.deepcopy.go are generated from the kubebuilder markers here by
// `make manifests`.
//
// +kubebuilder:object:generate=true
// +groupName=workflowexecution.kubernaut.ai
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion is the API group and version of the types in this package.
var GroupVersion = schema.GroupVersion{Group: "workflowexecution.kubernaut.ai", Version: "v1alpha1"}

var (
	// SchemeBuilder registers the types of this package with a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme adds the types of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// addKnownTypes registers the kinds and the meta types (ListOptions, DeleteOptions, ...) that every
// group version needs for a client to list, watch and delete them.
func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &WorkflowExecution{}, &WorkflowExecutionList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
