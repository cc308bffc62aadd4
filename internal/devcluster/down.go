package devcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// stopGrace is how long a component gets to exit after SIGTERM.
const stopGrace = 15 * time.Second

// DownOptions tune Down.
type DownOptions struct {
	// Purge removes the whole state directory afterwards: PKI, etcd data, images, volumes, logs.
	Purge bool
}

// Down stops the cluster's processes (exactly those recorded in its pid files), removes every
// pod sandbox, and cleans the host: mounts below the state directory, the cni0 bridge, the
// KUBE-* and CNI-* iptables chains and the kubepods cgroups. It also cleans up after a cluster
// that crashed, and succeeds when nothing runs.
func Down(ctx context.Context, cfg Config, opts DownOptions) error {
	c := &cfg
	if err := checkPrivileges(); err != nil {
		return err
	}
	if err := c.complete(); err != nil {
		return err
	}
	l := c.layout()
	if !exists(l.root) {
		c.progressf("no cluster state in %s; nothing to do", l.root)
		return nil
	}
	unlock, err := lockState(l)
	if err != nil {
		return err
	}
	defer unlock()
	var errs []error
	// kubelet first, so it does not restart pods while the runtime is emptied.
	errs = append(errs, stopComponent(c, "kubelet"))
	if _, running := runningDaemon(l, "containerd"); running {
		errs = append(errs, removeSandboxes(ctx, c))
	}
	comps := components()
	slices.Reverse(comps)
	for _, comp := range comps {
		if comp.name != "kubelet" {
			errs = append(errs, stopComponent(c, comp.name))
		}
	}
	errs = append(errs, cleanHost(c)...)
	if opts.Purge {
		unlock() // the lock file is inside the directory being removed
		errs = append(errs, purge(c))
	}
	return errors.Join(errs...)
}

func stopComponent(c *Config, name string) error {
	began := time.Now()
	stopped, err := stopDaemon(c.layout(), name, stopGrace)
	if stopped {
		c.progressf("%-24s stopped in %.1fs", name, time.Since(began).Seconds())
	}
	return err
}

// removeSandboxes stops and removes every pod sandbox through the CRI, while containerd still
// runs: that tears down the containers, runs CNI DEL (releasing IP leases) and unmounts.
func removeSandboxes(ctx context.Context, c *Config) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := grpc.NewClient("unix://"+c.layout().containerdSocket(),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("connect to containerd: %w", err)
	}
	defer conn.Close()
	rt := runtimeapi.NewRuntimeServiceClient(conn)
	list, err := rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return fmt.Errorf("list pod sandboxes: %w", err)
	}
	var errs []error
	for _, sb := range list.Items {
		if _, err := rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb.Id}); err != nil {
			errs = append(errs, fmt.Errorf("stop sandbox of pod %s/%s: %w", sb.Metadata.Namespace, sb.Metadata.Name, err))
			continue
		}
		if _, err := rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb.Id}); err != nil {
			errs = append(errs, fmt.Errorf("remove sandbox of pod %s/%s: %w", sb.Metadata.Namespace, sb.Metadata.Name, err))
		}
	}
	c.progressf("%-24s removed %d pod sandboxes", "containerd", len(list.Items))
	return errors.Join(errs...)
}

// purge deletes the state directory, refusing while anything is still mounted below it: a
// RemoveAll through a live hostPath bind mount would delete data outside it.
func purge(c *Config) error {
	l := c.layout()
	mounts, err := mountsBelow(l.root)
	if err != nil {
		return err
	}
	if len(mounts) > 0 {
		return fmt.Errorf("not purging %s: still mounted below it: %v", l.root, mounts)
	}
	if err := os.RemoveAll(l.root); err != nil {
		return fmt.Errorf("purge %s: %w", l.root, err)
	}
	c.progressf("purged %s", l.root)
	return nil
}
