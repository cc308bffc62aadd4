package devcluster

import (
	"fmt"
	"path/filepath"
)

// Fixed network parameters of the single-node cluster.
const (
	serviceCIDR        = "10.0.0.0/24"
	serviceAPIServerIP = "10.0.0.1"
	podCIDR            = "10.88.0.0/16"
	bridgeName         = "cni0"
	apiServerPort      = 6443
	// DefaultRegistryPort is where the local OCI registry listens on 127.0.0.1 by default.
	DefaultRegistryPort = 5000
	// pauseImageRepo is the sandbox image the project builds and containerd pins.
	pauseImageRepo = "pause"
	pauseImageTag  = "1.0"
)

// layout names every file and directory of a cluster below its state directory, so that down
// removes exactly what up made.
type layout struct{ root string }

func (l layout) path(elem ...string) string {
	return filepath.Join(append([]string{l.root}, elem...)...)
}

func (l layout) pki() string                   { return l.path("pki") }
func (l layout) pkiFile(name string) string    { return l.path("pki", name) }
func (l layout) kubeconfig(user string) string { return l.path("kubeconfig", user+".conf") }

// adminKubeconfig is the kubeconfig users and tests connect with.
func (l layout) adminKubeconfig() string { return l.kubeconfig("admin") }

func (l layout) etcdData() string              { return l.path("etcd") }
func (l layout) logFile(name string) string    { return l.path("logs", name+".log") }
func (l layout) pidFile(name string) string    { return l.path("run", name+".pid") }
func (l layout) configFile(name string) string { return l.path("config", name) }
func (l layout) cniConfDir() string            { return l.path("config", "cni") }
func (l layout) registryHostsDir() string      { return l.path("config", "certs.d") }
func (l layout) containerdRoot() string        { return l.path("containerd") }

// containerdState holds containerd's socket and runtime state. Unix socket paths are limited to
// 107 bytes, which Config.complete checks.
func (l layout) containerdState() string  { return l.path("run", "containerd") }
func (l layout) containerdSocket() string { return l.path("run", "containerd", "containerd.sock") }
func (l layout) runcRoot() string         { return l.path("run", "runc") }
func (l layout) kubeletRoot() string      { return l.path("kubelet") }
func (l layout) cniIPAMData() string      { return l.path("cni", "networks") }
func (l layout) registryData() string     { return l.path("registry") }
func (l layout) volumes() string          { return l.path("volumes") }

// pauseImage is the sandbox image reference containerd pins and pulls from the local registry.
func pauseImage(registryPort int) string {
	return fmt.Sprintf("127.0.0.1:%d/%s:%s", registryPort, pauseImageRepo, pauseImageTag)
}
