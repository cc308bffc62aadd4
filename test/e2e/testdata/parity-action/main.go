// Command parity-action is the end-to-end parity test's action, built on the SDK so that it
// runs unchanged on the Job engine and on Tekton (where the SDK resolves output references).
// Its inputs drive it, in this order: sleep sleepSeconds (until the container is asked to
// stop); fail once when the workspace file failUnlessMarker is absent, creating it so that a
// retry succeeds; read the workspace files in read; write the workspace files in write; fail
// with the message fail; else return outputs, plus the files read as the output "files".
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kubernaut/kubernaut/sdk/action"
)

// workspace is where both engines mount the workflow's shared workspace.
const workspace = "/workspace"

func main() { action.Main(run) }

// params are the inputs, defaulted by the contract.
type params struct {
	Outputs          map[string]any    `json:"outputs"`
	Read             []string          `json:"read"`
	Write            map[string]string `json:"write"`
	FailUnlessMarker string            `json:"failUnlessMarker"`
	Fail             string            `json:"fail"`
	SleepSeconds     int64             `json:"sleepSeconds"`
}

func run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	var p params
	if err := in.Decode(&p); err != nil {
		return nil, err
	}
	if err := sleep(ctx, time.Duration(p.SleepSeconds)*time.Second); err != nil {
		return nil, err
	}
	if p.FailUnlessMarker != "" {
		if err := requireMarker(p.FailUnlessMarker); err != nil {
			return nil, err
		}
	}
	files, err := readFiles(p.Read)
	if err != nil {
		return nil, err
	}
	if err := writeFiles(p.Write); err != nil {
		return nil, err
	}
	if p.Fail != "" {
		return nil, errors.New(p.Fail)
	}
	out := action.Outputs(p.Outputs)
	if out == nil {
		out = action.Outputs{}
	}
	if len(files) > 0 {
		out["files"] = files
	}
	return out, nil
}

// sleep waits for d, or fails when the container is asked to stop first (a timeout or a
// cancellation), as a well-behaved action does.
func sleep(ctx context.Context, d time.Duration) error {
	if d == 0 {
		return nil
	}
	action.Logf(ctx, "sleeping %s", d)
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stopped while sleeping: %w", ctx.Err())
	}
}

// requireMarker fails when the marker file is absent, after creating it: the first attempt
// fails and the next one, which finds it, goes on.
func requireMarker(name string) error {
	path, err := inWorkspace(name)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("checking the marker %s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte("seen\n"), 0o644); err != nil {
		return fmt.Errorf("creating the marker %s: %w", path, err)
	}
	return fmt.Errorf("marker %s was absent: created it, so the next attempt succeeds", path)
}

func readFiles(names []string) (map[string]any, error) {
	files := map[string]any{}
	for _, name := range names {
		path, err := inWorkspace(name)
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading workspace file: %w", err)
		}
		files[name] = string(data)
	}
	return files, nil
}

func writeFiles(files map[string]string) error {
	for name, content := range files {
		path, err := inWorkspace(name)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("creating the directory of workspace file %s: %w", name, err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return fmt.Errorf("writing workspace file: %w", err)
		}
	}
	return nil
}

// inWorkspace turns a relative path into one under the workspace, refusing any other.
func inWorkspace(name string) (string, error) {
	if !filepath.IsLocal(name) {
		return "", fmt.Errorf("workspace path %q must be relative and stay inside %s", name, workspace)
	}
	return filepath.Join(workspace, name), nil
}
