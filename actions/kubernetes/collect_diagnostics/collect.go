package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"

	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/sdk/action"
)

// Files written into the output directory, besides the logs.
const (
	eventsFile    = "events.txt"
	podsFile      = "pods.txt"
	logErrorsFile = "log-errors.txt"
)

// report counts what was collected; it becomes the outputs.
type report struct {
	Replicas      *int32
	Pods          int
	ReadyPods     int
	WarningEvents int
	Files         int
	LogErrors     int
}

// collect finds the resource, then writes events.txt, pods.txt, the logs and, when some logs
// could not be read, log-errors.txt into req.OutputDir under root.
func collect(ctx context.Context, c kubernetes.Interface, root *os.Root, req collectRequest) (report, error) {
	t, err := findTarget(ctx, c, req)
	if err != nil {
		return report{}, err
	}
	events, err := relevantEvents(ctx, c, req.Namespace, t)
	if err != nil {
		return report{}, err
	}
	rep := report{Replicas: t.Replicas, Pods: len(t.Pods), ReadyPods: countReady(t.Pods), WarningEvents: countWarnings(events)}
	write := func(name string, data []byte) error {
		if err := root.WriteFile(path.Join(req.OutputDir, name), data, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
		rep.Files++
		return nil
	}
	if err := write(eventsFile, formatEvents(events)); err != nil {
		return report{}, err
	}
	if err := write(podsFile, formatPods(t.Pods)); err != nil {
		return report{}, err
	}
	logs, failures, err := collectLogs(ctx, c, root, req.Namespace, path.Join(req.OutputDir, logsDir), req.TailLines, logRequests(t.Pods))
	if err != nil {
		return report{}, err
	}
	rep.Files += logs
	rep.LogErrors = len(failures)
	if len(failures) > 0 {
		var buf bytes.Buffer
		for _, f := range failures {
			fmt.Fprintln(&buf, f)
			action.Logf(ctx, "warning: could not read a log: %s", f)
		}
		if err := write(logErrorsFile, buf.Bytes()); err != nil {
			return report{}, err
		}
	}
	action.Logf(ctx, "%s/%s: %d pods (%d ready), %d events (%d warnings), %d log files, %d unreadable logs",
		req.Kind, req.Name, rep.Pods, rep.ReadyPods, len(events), rep.WarningEvents, logs, rep.LogErrors)
	return rep, nil
}
