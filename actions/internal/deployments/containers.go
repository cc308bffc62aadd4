package deployments

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

// DefaultContainerAnnotation names a pod's default container for kubectl. The actions that
// edit one container honour it on the pod template when their input "container" is not given,
// so that they pick the container that `kubectl logs` and `kubectl exec` would.
const DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// PickContainer returns the index in d's pod template of the container named name, or without
// a name of the default one: the one that DefaultContainerAnnotation names, else the first.
// A name that matches no container is an error that lists the containers there are.
func PickContainer(d *appsv1.Deployment, name string, ref kube.Ref) (int, error) {
	what := "input \"container\""
	if name == "" {
		name, what = d.Spec.Template.Annotations[DefaultContainerAnnotation], "the annotation "+DefaultContainerAnnotation
		if name == "" {
			return 0, nil // the API server requires at least one container
		}
	}
	containers := d.Spec.Template.Spec.Containers
	names := make([]string, len(containers))
	for i, c := range containers {
		if c.Name == name {
			return i, nil
		}
		names[i] = c.Name
	}
	return 0, fmt.Errorf("%s has no container %q (named by %s); its containers are %s",
		ref, name, what, strings.Join(names, ", "))
}
