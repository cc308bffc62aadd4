package devcluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// agentBinary serves the registry and the hostPath provisioner (internal/devcluster/agent).
const agentBinary = "kubernaut-dev-agent"

// pauseBinary is the sandbox process packaged into the pause image (internal/devcluster/pause).
const pauseBinary = "kubernaut-pause"

// Config says where a cluster keeps its state and which binaries it runs.
type Config struct {
	// StateDir holds PKI, kubeconfigs, etcd data, logs, pid files, container and kubelet state,
	// registry storage and provisioned volumes. DefaultStateDir when empty.
	StateDir string
	// BinDir holds the binaries built by `make cluster-tools`. DefaultBinDir when empty.
	BinDir string
	// RegistryPort is the local registry's port on 127.0.0.1; DefaultRegistryPort when zero.
	RegistryPort int
	// NodeName is the node's name; the lower-cased host name when empty.
	NodeName string
	// NodeIP is the node's address; the address of the default route's interface when nil. It
	// cannot be loopback: pods reach the API server, and the registry's read-only address,
	// through it.
	NodeIP net.IP
	// Progress receives one line per step; discarded when nil.
	Progress io.Writer
}

// DefaultStateDir is $XDG_STATE_HOME/kubernaut-dev when XDG_STATE_HOME is set, otherwise
// /var/lib/kubernaut-dev (the cluster runs as root).
func DefaultStateDir() string {
	if dir := os.Getenv("XDG_STATE_HOME"); dir != "" {
		return filepath.Join(dir, "kubernaut-dev")
	}
	return "/var/lib/kubernaut-dev"
}

// DefaultBinDir is the k8s directory next to the running executable (bin/kubernaut finds
// bin/k8s), or <repo>/bin/k8s found from the working directory (tests).
func DefaultBinDir() (string, error) {
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Join(filepath.Dir(exe), "k8s")
		if exists(filepath.Join(dir, "kubelet")) {
			return dir, nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find bin directory: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil &&
			strings.HasPrefix(string(data), "module github.com/kubernaut/kubernaut\n") {
			return filepath.Join(d, "bin", "k8s"), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("find bin directory: no bin/k8s next to the executable and no kubernaut repository above %s; pass the bin directory explicitly", wd)
		}
	}
}

func (c *Config) layout() layout { return layout{root: c.StateDir} }

func (c *Config) progressf(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, format+"\n", args...)
	}
}

// complete fills in defaults. The registry port of an existing cluster is kept, so env and
// down agree with the up that created it.
func (c *Config) complete() error {
	if c.StateDir == "" {
		c.StateDir = DefaultStateDir()
	}
	abs, err := filepath.Abs(c.StateDir)
	if err != nil {
		return fmt.Errorf("state directory %q: %w", c.StateDir, err)
	}
	c.StateDir = abs
	// The limit of sun_path, less room for the ".ttrpc" suffix containerd adds.
	if sock := c.layout().containerdSocket(); len(sock) > 100 {
		return fmt.Errorf("state directory %s is too long: containerd's socket %s would exceed the 100 bytes unix sockets allow; choose a shorter --state-dir", c.StateDir, sock)
	}
	if c.BinDir == "" {
		if c.BinDir, err = DefaultBinDir(); err != nil {
			return err
		}
	}
	if c.RegistryPort == 0 {
		c.RegistryPort = DefaultRegistryPort
		if saved, err := loadSavedParams(c.layout()); err == nil {
			c.RegistryPort = saved.RegistryPort
		}
	}
	if c.NodeName == "" {
		host, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("node name from host name: %w", err)
		}
		c.NodeName = strings.ToLower(host)
	}
	if c.NodeIP == nil {
		if c.NodeIP, err = defaultRouteIP(); err != nil {
			return err
		}
	}
	return nil
}

// savedParams are the parameters of a cluster that outlive the up that chose them.
type savedParams struct {
	RegistryPort int `json:"registryPort"`
	// NodeIP lets status, env and deploy name the registry's node address without root or a
	// route lookup. Empty in state directories written before it was recorded.
	NodeIP string `json:"nodeIP,omitempty"`
}

func loadSavedParams(l layout) (savedParams, error) {
	var p savedParams
	data, err := os.ReadFile(l.path("cluster.json"))
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("parse %s: %w", l.path("cluster.json"), err)
	}
	return p, nil
}

func saveParams(c *Config) error {
	data, _ := json.Marshal(savedParams{RegistryPort: c.RegistryPort, NodeIP: c.NodeIP.String()})
	return writeFileIfChanged(c.layout().path("cluster.json"), append(data, '\n'))
}

// defaultRouteIP returns the first IPv4 address of the interface that carries the default route.
func defaultRouteIP() (net.IP, error) {
	data, err := os.ReadFile("/proc/net/route")
	if err != nil {
		return nil, fmt.Errorf("find node IP: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n")[1:] {
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[1] != "00000000" {
			continue
		}
		iface, err := net.InterfaceByName(fields[0])
		if err != nil {
			return nil, fmt.Errorf("find node IP: %w", err)
		}
		addrs, err := iface.Addrs()
		if err != nil {
			return nil, fmt.Errorf("find node IP: addresses of %s: %w", iface.Name, err)
		}
		for _, a := range addrs {
			if ipNet, ok := a.(*net.IPNet); ok && ipNet.IP.To4() != nil {
				return ipNet.IP.To4(), nil
			}
		}
	}
	return nil, errors.New("find node IP: no interface with a default route and an IPv4 address; pass the node IP explicitly")
}
