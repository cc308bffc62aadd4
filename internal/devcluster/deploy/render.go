package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// What config/default ships and Deploy relies on.
const (
	// Namespace is where config/default puts the manager, its ConfigMaps and trust material.
	Namespace = "kubernaut-system"
	// DeploymentName is the manager's Deployment.
	DeploymentName = "kubernaut-manager"
	// ManagerContainer is the manager's container in that Deployment.
	ManagerContainer = "manager"
	// PlaceholderImage is the image config/manager sets, to be replaced by a digest reference.
	PlaceholderImage = "kubernaut-manager:dev"
	// ForwarderContainer is the dev-only native sidecar that makes the registry reachable.
	ForwarderContainer = "registry-forwarder"
)

// ErrPlaceholderMissing: config/default no longer has the manager container with the
// placeholder image, so Deploy would not know where to put the built image.
var ErrPlaceholderMissing = errors.New("config/default has no manager container with the placeholder image")

// render runs `kubectl kustomize dir` and decodes the documents.
func render(ctx context.Context, kubectl, dir string) ([]*unstructured.Unstructured, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, kubectl, "kustomize", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("rendering %s with %s kustomize: %w\n%s", dir, kubectl, err, stderr.String())
	}
	objs, err := decodeObjects(stdout.Bytes())
	if err != nil {
		return nil, fmt.Errorf("rendering %s: %w", dir, err)
	}
	return objs, nil
}

// decodeObjects decodes a multi-document YAML stream, skipping empty documents.
func decodeObjects(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for i := 0; ; i++ {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return objs, nil
		} else if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if len(doc) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: doc}
		if u.GetKind() == "" || u.GetName() == "" {
			return nil, fmt.Errorf("document %d has no kind or name", i)
		}
		objs = append(objs, u)
	}
}

// findObject returns the object of kind and name, or nil.
func findObject(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

// setManagerImage puts image into the manager container of the Deployment, which must carry
// PlaceholderImage: anything else means config/default changed under us.
func setManagerImage(deployment *unstructured.Unstructured, image string) error {
	containers, _, _ := unstructured.NestedSlice(deployment.Object, "spec", "template", "spec", "containers")
	for _, c := range containers {
		container, ok := c.(map[string]any)
		if !ok || container["name"] != ManagerContainer {
			continue
		}
		if container["image"] != PlaceholderImage {
			return fmt.Errorf("%w: container %s has image %v, want %s", ErrPlaceholderMissing, ManagerContainer, container["image"], PlaceholderImage)
		}
		container["image"] = image
		return unstructured.SetNestedSlice(deployment.Object, containers, "spec", "template", "spec", "containers")
	}
	return fmt.Errorf("%w: Deployment %s has no container %s", ErrPlaceholderMissing, deployment.GetName(), ManagerContainer)
}

// addForwarder adds the registry forwarder as a native sidecar (an init container that keeps
// running), so it listens before the manager starts and stops after it. It satisfies the
// restricted Pod Security profile like the manager; the pod's securityContext makes it non-root.
func addForwarder(deployment *unstructured.Unstructured, f Forwarder) error {
	sidecar := map[string]any{
		"name":          ForwarderContainer,
		"image":         f.Image,
		"restartPolicy": "Always",
		"args":          []any{"--listen=" + f.Listen, "--to=" + f.Upstream},
		"securityContext": map[string]any{
			"allowPrivilegeEscalation": false,
			"readOnlyRootFilesystem":   true,
			"capabilities":             map[string]any{"drop": []any{"ALL"}},
		},
		"resources": map[string]any{
			"requests": map[string]any{"cpu": "10m", "memory": "16Mi"},
			"limits":   map[string]any{"cpu": "200m", "memory": "64Mi"},
		},
	}
	path := []string{"spec", "template", "spec", "initContainers"}
	inits, _, _ := unstructured.NestedSlice(deployment.Object, path...)
	for _, c := range inits {
		if m, ok := c.(map[string]any); ok && m["name"] == ForwarderContainer {
			return fmt.Errorf("Deployment %s already has an init container %s", deployment.GetName(), ForwarderContainer)
		}
	}
	return unstructured.SetNestedSlice(deployment.Object, append(inits, sidecar), path...)
}

// checkForwarder refuses a forwarder whose listen port collides with a port the manager serves:
// both share the pod's network namespace.
func checkForwarder(deployment *unstructured.Unstructured, f Forwarder) error {
	if f.Image == "" || f.Listen == "" || f.Upstream == "" {
		return errors.New("forwarder: Image, Listen and Upstream are all required")
	}
	containers, _, _ := unstructured.NestedSlice(deployment.Object, "spec", "template", "spec", "containers")
	for _, c := range containers {
		container, _ := c.(map[string]any)
		ports, _, _ := unstructured.NestedSlice(container, "ports")
		for _, p := range ports {
			portSpec, _ := p.(map[string]any)
			// Decoded YAML numbers are float64 (through JSON) or int64.
			port := fmt.Sprint(portSpec["containerPort"])
			if _, listenPort, _ := net.SplitHostPort(f.Listen); listenPort == port {
				return fmt.Errorf("forwarder: listen address %s collides with container port %s of the manager's pod", f.Listen, port)
			}
		}
	}
	return nil
}
