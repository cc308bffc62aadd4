// Command collect_diagnostics is the built-in action kubernetes/collect_diagnostics: it writes
// the events, pod status and log tails of a Deployment or a pod into the workflow's workspace.
// It changes nothing in the cluster, so it has no dryRun input. See docs/actions.md.
package main

import (
	"context"
	"fmt"
	"path"
	"path/filepath"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/workspace"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// Defaults and bounds of the contract, repeated for runs without one (a local binary).
const (
	defaultTailLines = 50
	maxTailLines     = 1000
	defaultOutputDir = "diagnostics"
)

func main() {
	action.Main(collector{kube: kube.InCluster("kubernaut-action/collect_diagnostics"), workspace: workspace.Dir}.run)
}

// collector is the action with its dependencies: the cluster, and the directory where the
// workspace is mounted (workspace.Dir in a pod, a temporary directory in tests).
type collector struct {
	kube      kube.Env
	workspace string
}

// collectRequest is one complete, checked request.
type collectRequest struct {
	Namespace string
	Kind      string // "deployment" or "pod"
	Name      string
	TailLines int64
	OutputDir string // clean, relative to the workspace
}

// run checks the inputs and the workspace, then collects. The workspace is checked before the
// API server is contacted, so a step without usesWorkspace fails at once with the reason.
func (c collector) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := c.request(in)
	if err != nil {
		return nil, err
	}
	root, err := workspace.Open(c.workspace)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if err := workspace.MkdirAll(root, path.Join(req.OutputDir, logsDir)); err != nil {
		return nil, err
	}
	client, err := c.kube.NewClient()
	if err != nil {
		return nil, err
	}
	rep, err := collect(ctx, client, root, req)
	if err != nil {
		return nil, err
	}
	out := action.Outputs{
		"path":          filepath.Join(c.workspace, filepath.FromSlash(req.OutputDir)),
		"resource":      req.Kind + "/" + req.Name,
		"namespace":     req.Namespace,
		"podCount":      rep.Pods,
		"readyPods":     rep.ReadyPods,
		"warningEvents": rep.WarningEvents,
		"files":         rep.Files,
		"logErrors":     rep.LogErrors,
	}
	if rep.Replicas != nil {
		out["replicas"] = *rep.Replicas
	}
	return out, nil
}

// request turns the inputs into a collectRequest, checking what the contract checks when there
// is none.
func (c collector) request(in *action.Inputs) (collectRequest, error) {
	resource, err := in.String("resource")
	if err != nil {
		return collectRequest{}, err
	}
	kind, name, err := parseResource(resource)
	if err != nil {
		return collectRequest{}, err
	}
	tail, err := in.IntOr("tailLines", defaultTailLines)
	if err != nil {
		return collectRequest{}, err
	}
	if tail < 1 || tail > maxTailLines {
		return collectRequest{}, fmt.Errorf("input \"tailLines\" must be between 1 and %d, got %d", maxTailLines, tail)
	}
	dir, err := in.StringOr("outputDir", defaultOutputDir)
	if err != nil {
		return collectRequest{}, err
	}
	if dir, err = workspace.RelPath("input \"outputDir\"", dir, false); err != nil {
		return collectRequest{}, err
	}
	ns, err := c.kube.Namespace(in)
	if err != nil {
		return collectRequest{}, err
	}
	return collectRequest{Namespace: ns, Kind: kind, Name: name, TailLines: tail, OutputDir: dir}, nil
}
