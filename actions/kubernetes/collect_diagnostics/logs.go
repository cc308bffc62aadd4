package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

const (
	// logsDir is the subdirectory of the output directory that holds the log files.
	logsDir = "logs"
	// maxLogPods bounds how many pods' logs are read: a Deployment of hundreds of replicas
	// must not turn one step into hundreds of requests through the kubelet. Pods that are not
	// ready come first, because they are what is being diagnosed.
	maxLogPods = 20
	// maxLogBytes bounds one container's log, whatever the length of its lines.
	maxLogBytes = 1 << 20
)

// logFailure is a container log that could not be read. It is recorded, never fatal: a pod
// that is not scheduled or whose node is gone has no log, and the rest of the diagnosis is
// still worth having.
type logFailure struct {
	pod, container string
	previous       bool
	err            error
}

func (f logFailure) String() string {
	which := "log"
	if f.previous {
		which = "previous log"
	}
	return fmt.Sprintf("pod %s, container %s, %s: %v", f.pod, f.container, which, oneLine(f.err.Error()))
}

// logRequest is one log to read.
type logRequest struct {
	pod, container string
	previous       bool
}

// fileName is the log's file name: <pod>_<container>.log, and .previous.log for the log of
// the container's previous run. Pod and container names cannot hold "_" or "/".
func (r logRequest) fileName() string {
	if r.previous {
		return r.pod + "_" + r.container + ".previous.log"
	}
	return r.pod + "_" + r.container + ".log"
}

// logRequests lists the logs to read: every container of the first maxLogPods pods, not-ready
// pods first, plus the previous run of every container that has restarted (the run that
// crashed, which explains a CrashLoopBackOff).
func logRequests(pods []corev1.Pod) []logRequest {
	ordered := slices.Clone(pods)
	slices.SortStableFunc(ordered, func(a, b corev1.Pod) int {
		ra, rb := podReady(&a), podReady(&b)
		switch {
		case ra == rb:
			return strings.Compare(a.Name, b.Name)
		case !ra:
			return -1
		}
		return 1
	})
	var reqs []logRequest
	for _, p := range ordered[:min(len(ordered), maxLogPods)] {
		restarts := map[string]int32{}
		for _, s := range append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...) {
			restarts[s.Name] = s.RestartCount
		}
		for _, c := range allContainers(&p) {
			reqs = append(reqs, logRequest{pod: p.Name, container: c.Name})
			if restarts[c.Name] > 0 {
				reqs = append(reqs, logRequest{pod: p.Name, container: c.Name, previous: true})
			}
		}
	}
	return reqs
}

// collectLogs reads every log of reqs and writes it to dir/<file>. It returns the number of
// files written and the logs that could not be read; only a failure to write, or the end of
// ctx, is an error.
func collectLogs(ctx context.Context, c kubernetes.Interface, root *os.Root, ns, dir string, tail int64, reqs []logRequest) (int, []logFailure, error) {
	files := 0
	var failures []logFailure
	for _, r := range reqs {
		opts := &corev1.PodLogOptions{Container: r.container, Previous: r.previous, TailLines: &tail, LimitBytes: ptr.To[int64](maxLogBytes)}
		data, err := c.CoreV1().Pods(ns).GetLogs(r.pod, opts).DoRaw(ctx)
		if ctx.Err() != nil {
			return files, failures, fmt.Errorf("reading logs: %w", ctx.Err())
		}
		if err != nil {
			failures = append(failures, logFailure{pod: r.pod, container: r.container, previous: r.previous, err: err})
			continue
		}
		if err := root.WriteFile(path.Join(dir, r.fileName()), data, 0o644); err != nil {
			return files, failures, fmt.Errorf("writing %s: %w", r.fileName(), err)
		}
		files++
	}
	return files, failures, nil
}
