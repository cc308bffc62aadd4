package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionregistry"
)

// loadRegistry reads the action registry from --registry or from the cluster, and returns it
// with a description of where it came from.
func loadRegistry(ctx context.Context, f validateFlags) (*actionregistry.Registry, string, error) {
	data, err := registryData(ctx, f)
	if err != nil {
		return nil, "", err
	}
	reg, err := actionregistry.Parse(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", registrySource(f), err)
	}
	return reg, fmt.Sprintf("%s, %s", registrySource(f), plural(len(reg.Entries()), "entry", "entries")), nil
}

// registryData returns the ConfigMap's data: read from the cluster, or from a file holding
// either the ConfigMap manifest (as config/manager/action_registry.yaml ships it) or just the
// registry.yaml document.
func registryData(ctx context.Context, f validateFlags) (map[string]string, error) {
	if f.registryFile == "" {
		return clusterRegistryData(ctx, f.kube)
	}
	raw, err := os.ReadFile(f.registryFile)
	if err != nil {
		return nil, err
	}
	var head struct {
		Kind string `json:"kind"`
	}
	if err := yaml.Unmarshal(raw, &head); err != nil || head.Kind != "ConfigMap" {
		// Not a ConfigMap manifest: the registry.yaml document itself, which Parse checks.
		return map[string]string{actionregistry.RegistryKey: string(raw)}, nil
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(raw, &cm); err != nil {
		return nil, fmt.Errorf("%s: not a valid ConfigMap: %w", f.registryFile, err)
	}
	if cm.Name != actionregistry.ConfigMapName {
		return nil, fmt.Errorf("%s: ConfigMap %q is not the action registry; the manager reads %q", f.registryFile, cm.Name, actionregistry.ConfigMapName)
	}
	return cm.Data, nil
}

func clusterRegistryData(ctx context.Context, kf kubeFlags) (map[string]string, error) {
	c, ns, err := kf.client()
	if err != nil {
		return nil, err
	}
	var cm corev1.ConfigMap
	key := client.ObjectKey{Namespace: ns, Name: actionregistry.ConfigMapName}
	if err := c.Get(ctx, key, &cm); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("ConfigMap %s not found: is Kubernaut installed in namespace %s? (--namespace)", key, ns)
		}
		return nil, fmt.Errorf("reading ConfigMap %s: %w", key, err)
	}
	return cm.Data, nil
}

// checkRegistry reports steps the controller would refuse before running anything: an action
// type without a registry entry (ActionNotRegistered) and a pinned image that is not the
// entry's (ImageNotAllowed).
func checkRegistry(steps []workflowv1alpha1.WorkflowStep, reg *actionregistry.Registry, source string) []string {
	var problems []string
	path := field.NewPath("spec", "steps")
	for i, s := range steps {
		entry, ok := reg.Lookup(s.ActionType)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: action type %q is not in the action registry (%s); registered: %s",
				path.Index(i).Child("actionType"), s.ActionType, source, registeredTypes(reg)))
			continue
		}
		if s.Image != "" && s.Image != entry.Image {
			problems = append(problems, fmt.Sprintf("%s: %s is not the image the registry allows for %s (%s)",
				path.Index(i).Child("image"), s.Image, s.ActionType, entry.Image))
		}
	}
	return problems
}

func registeredTypes(reg *actionregistry.Registry) string {
	entries := reg.Entries()
	if len(entries) == 0 {
		return "none"
	}
	types := make([]string, len(entries))
	for i, e := range entries {
		types[i] = e.ActionType
	}
	return strings.Join(types, ", ")
}
