package devcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"
)

// ComponentStatus is the state of one daemon.
type ComponentStatus struct {
	Name    string
	Running bool
	// PID of the running process; zero when stopped.
	PID int
	// Ready is whether its readiness probe passes (always true for components without one).
	Ready bool
}

// Status describes a cluster.
type Status struct {
	StateDir   string
	Components []ComponentStatus
}

// Up reports whether every component runs and is ready.
func (s Status) Up() bool {
	for _, comp := range s.Components {
		if !comp.Running || !comp.Ready {
			return false
		}
	}
	return len(s.Components) > 0
}

// String renders the status as a table.
func (s Status) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "state directory: %s\n", s.StateDir)
	for _, comp := range s.Components {
		state := "stopped"
		switch {
		case comp.Running && comp.Ready:
			state = fmt.Sprintf("running (pid %d)", comp.PID)
		case comp.Running:
			state = fmt.Sprintf("running (pid %d), not ready", comp.PID)
		}
		fmt.Fprintf(&b, "%-24s %s\n", comp.Name, state)
	}
	return b.String()
}

// GetStatus reports which components run and whether they are ready. It needs no privileges.
func GetStatus(ctx context.Context, cfg Config) (Status, error) {
	c := &cfg
	if err := c.completeForQuery(); err != nil {
		return Status{}, err
	}
	st := Status{StateDir: c.StateDir}
	for _, comp := range components() {
		id, running := runningDaemon(c.layout(), comp.name)
		cs := ComponentStatus{Name: comp.name, Running: running, Ready: running}
		if running {
			cs.PID = id.PID
			if comp.ready != nil {
				probeCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
				cs.Ready = comp.ready(probeCtx, c) == nil
				cancel()
			}
		}
		st.Components = append(st.Components, cs)
	}
	return st, nil
}

// ErrNotUp: the cluster a command needs is not running, or not ready.
var ErrNotUp = errors.New("the dev cluster is not up")

// Running describes the cluster of cfg's state directory when every component runs and is
// ready, and fails with ErrNotUp, naming what is stopped or not ready, otherwise. Like
// GetStatus it needs no privileges, so commands that only use a cluster need not run as root.
func Running(ctx context.Context, cfg Config) (*Cluster, error) {
	st, err := GetStatus(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if !st.Up() {
		var down []string
		for _, comp := range st.Components {
			if !comp.Running || !comp.Ready {
				down = append(down, comp.Name)
			}
		}
		return nil, fmt.Errorf("%w in %s: %s stopped or not ready; start it with `sudo kubernaut dev cluster up`",
			ErrNotUp, st.StateDir, strings.Join(down, ", "))
	}
	c := &cfg
	if err := c.completeForQuery(); err != nil {
		return nil, err
	}
	return c.cluster(), nil
}

// Env returns shell export lines that point kubectl and the project's tools at the cluster.
func Env(cfg Config) ([]string, error) {
	c := &cfg
	if err := c.completeForQuery(); err != nil {
		return nil, err
	}
	cl := c.cluster()
	return []string{
		"export KUBECONFIG=" + shellQuote(cl.Kubeconfig),
		"export KUBERNAUT_REGISTRY=" + cl.Registry,
		"export KUBERNAUT_DEV_STATE_DIR=" + shellQuote(cl.StateDir),
	}, nil
}

// completeForQuery fills in only what status and env need, so they work without root, without
// binaries and without a network.
func (c *Config) completeForQuery() error {
	if c.StateDir == "" {
		c.StateDir = DefaultStateDir()
	}
	abs, err := filepath.Abs(c.StateDir)
	if err != nil {
		return fmt.Errorf("state directory %q: %w", c.StateDir, err)
	}
	c.StateDir = abs
	saved, err := loadSavedParams(c.layout())
	if c.RegistryPort == 0 {
		c.RegistryPort = DefaultRegistryPort
		if err == nil {
			c.RegistryPort = saved.RegistryPort
		}
	}
	if c.NodeIP == nil && err == nil {
		c.NodeIP = net.ParseIP(saved.NodeIP) // nil when not recorded
	}
	return nil
}

// shellQuote quotes s for POSIX shells when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '-' || r == '_' || r == '.' || r == ':' ||
			r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
