package devcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// componentStartTimeout bounds the wait for one component; generous because CI machines have two
// cores shared with compilers.
const componentStartTimeout = 3 * time.Minute

// Cluster describes a running cluster.
type Cluster struct {
	// StateDir is the cluster's state directory.
	StateDir string
	// Kubeconfig is the path of the cluster-admin kubeconfig.
	Kubeconfig string
	// Registry is the local registry's host:port on 127.0.0.1: images are pushed and named
	// there, and containerd pulls them from there.
	Registry string
	// NodeRegistry is the same registry's read-only host:port on the node's address, the one a
	// pod can reach (inside a pod, 127.0.0.1 is the pod itself). Empty for a cluster whose state
	// directory does not record its node IP.
	NodeRegistry string
}

func (c *Config) cluster() *Cluster {
	return &Cluster{StateDir: c.StateDir, Kubeconfig: c.layout().adminKubeconfig(),
		Registry: registryHost(c), NodeRegistry: registryNodeHost(c)}
}

// Up starts the cluster, or the parts of it that are not running, and returns once pods can be
// created: the node is Ready, the default StorageClass exists and the default namespace has its
// ServiceAccount. Running it again on a running cluster only re-checks readiness.
func Up(ctx context.Context, cfg Config) (*Cluster, error) {
	c := &cfg
	began := time.Now()
	if err := checkPrivileges(); err != nil {
		return nil, err
	}
	if err := c.complete(); err != nil {
		return nil, err
	}
	if err := checkBinaries(c.BinDir); err != nil {
		return nil, err
	}
	unlock, err := lockState(c.layout())
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := checkPortsOfStopped(c); err != nil {
		return nil, err
	}
	if err := prepareState(c); err != nil {
		return nil, err
	}
	for _, comp := range components() {
		if err := ensureComponent(ctx, c, comp); err != nil {
			return nil, c.upFailed(err)
		}
		if err := afterStart(ctx, c, comp.name); err != nil {
			return nil, c.upFailed(err)
		}
	}
	if err := waitPodsCreatable(ctx, c); err != nil {
		return nil, c.upFailed(err)
	}
	c.progressf("cluster up in %.1fs; KUBECONFIG=%s", time.Since(began).Seconds(), c.layout().adminKubeconfig())
	return c.cluster(), nil
}

// upFailed adds where to look and how to clean up to an error of a half-started cluster.
func (c *Config) upFailed(err error) error {
	return fmt.Errorf("%w\n(component logs are in %s; `kubernaut dev cluster down` stops what did start)",
		err, c.layout().path("logs"))
}

// prepareState makes the directories, PKI, kubeconfigs and configuration files.
func prepareState(c *Config) error {
	l := c.layout()
	for _, dir := range []string{l.root, l.path("logs"), l.path("run"), l.volumes(), l.registryData()} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
	}
	if err := ensureHostPackages(c); err != nil {
		return err
	}
	if err := saveParams(c); err != nil {
		return err
	}
	if err := ensurePKI(l.pki(), c.NodeName, c.NodeIP); err != nil {
		return fmt.Errorf("cluster PKI: %w", err)
	}
	if err := writeKubeconfigs(l); err != nil {
		return err
	}
	return writeConfigs(c)
}

// ensureComponent starts comp unless its recorded process still runs, then waits until it serves.
func ensureComponent(ctx context.Context, c *Config, comp component) error {
	l := c.layout()
	id, running := runningDaemon(l, comp.name)
	if !running {
		if err := checkPortsFree(comp.name, portsOf(c, comp)); err != nil {
			return err
		}
		if comp.name == "containerd" {
			// A containerd that crashed leaves its socket behind, and a new one cannot bind it.
			_ = os.Remove(l.containerdSocket())
		}
		var env []string
		if comp.env != nil {
			env = comp.env(c)
		}
		started := time.Now()
		var err error
		if id, err = startDaemon(l, comp.name, filepath.Join(c.BinDir, comp.bin), comp.args(c), env); err != nil {
			return err
		}
		defer func() {
			c.progressf("%-24s started (pid %d) in %.1fs", comp.name, id.PID, time.Since(started).Seconds())
		}()
	}
	if comp.ready == nil {
		return nil
	}
	dead := func() (bool, string) { return !id.alive(), logTail(l.logFile(comp.name), 20) }
	probe := func(ctx context.Context) error { return comp.ready(ctx, c) }
	return waitFor(ctx, comp.name, componentStartTimeout, probe, dead)
}

// checkPortsOfStopped checks, before anything starts, that the ports of every component that
// is not running are free, so that a taken port does not leave a half-started cluster behind.
func checkPortsOfStopped(c *Config) error {
	for _, comp := range components() {
		if _, running := runningDaemon(c.layout(), comp.name); !running {
			if err := checkPortsFree(comp.name, portsOf(c, comp)); err != nil {
				return err
			}
		}
	}
	return nil
}

// portsOf returns the ports comp listens on under c.
func portsOf(c *Config, comp component) []int {
	if comp.name == "registry" {
		return append([]int{c.RegistryPort}, comp.ports...)
	}
	return comp.ports
}

// afterStart runs the steps that depend on a component having just become ready.
func afterStart(ctx context.Context, c *Config, name string) error {
	switch name {
	case "registry":
		// containerd pulls the sandbox image from the registry when the first pod starts.
		return pushPauseImage(ctx, c)
	case "kubelet":
		return waitNodeReady(ctx, c)
	}
	return nil
}
