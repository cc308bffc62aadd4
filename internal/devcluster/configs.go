package devcluster

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// writeConfigs writes the containerd, CNI, kubelet and kube-proxy configuration. They are
// rewritten on every up, so a changed registry port or binary directory takes effect.
func writeConfigs(c *Config) error {
	l := c.layout()
	files := map[string]string{
		l.configFile("containerd.toml"):                                    containerdConfig(c),
		filepath.Join(l.cniConfDir(), "10-kubernaut.conflist"):             cniConfig(l),
		l.configFile("kubelet.yaml"):                                       kubeletConfig(l),
		l.configFile("kube-proxy.yaml"):                                    kubeProxyConfig(c),
		filepath.Join(l.registryHostsDir(), registryHost(c), "hosts.toml"): registryHostsConfig(c),
	}
	for path, content := range files {
		if err := writeFileIfChanged(path, []byte(content)); err != nil {
			return err
		}
	}
	return nil
}

// writeFileIfChanged leaves identical files untouched, because kube-proxy exits when its
// configuration file changes underneath it (local-cluster.md gotcha 7).
func writeFileIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create directory of %s: %w", path, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func registryHost(c *Config) string { return "127.0.0.1:" + strconv.Itoa(c.RegistryPort) }

// registryNodeHost is the registry's read-only address on the node: pods dial it, because
// 127.0.0.1 inside a pod is the pod itself. Empty when the node IP is unknown (a state
// directory from before it was recorded).
func registryNodeHost(c *Config) string {
	if c.NodeIP == nil {
		return ""
	}
	return net.JoinHostPort(c.NodeIP.String(), strconv.Itoa(c.RegistryPort))
}

// containerdConfig is containerd 2.4's configuration (schema version 4).
// restrict_oom_score_adj is required where root lacks CAP_SYS_RESOURCE: without it runc cannot
// set the negative oom_score_adj kubelet asks for and every sandbox fails with "can't get final
// child's PID from pipe: EOF" (local-cluster.md gotcha 1). Both sockets are set because in
// schema 4 each server plugin defaults to /run/containerd, where a system containerd may live;
// runc's state root moves into the state directory for the same reason, and NRI (unused) is
// off so that it does not create /run/nri. netns_mounts_under_state_dir keeps the
// pods' network namespaces inside the state directory, so down finds them all.
func containerdConfig(c *Config) string {
	l := c.layout()
	return fmt.Sprintf(`version = 4
root = %q
state = %q

[plugins]
  [plugins.'io.containerd.server.v1.grpc']
    address = %q
  [plugins.'io.containerd.server.v1.ttrpc']
    address = %q
  [plugins.'io.containerd.nri.v1.nri']
    disable = true
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = "overlayfs"
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = %q
    [plugins.'io.containerd.cri.v1.images'.registry]
      config_path = %q

  [plugins.'io.containerd.cri.v1.runtime']
    enable_selinux = false
    disable_apparmor = true
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = "runc"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = %q
          Root = %q
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = [%q]
      conf_dir = %q
`, l.containerdRoot(), l.containerdState(), l.containerdSocket(), l.containerdSocket()+".ttrpc", pauseImage(c.RegistryPort),
		l.registryHostsDir(), runcPath, l.runcRoot(), cniBinDir, l.cniConfDir())
}

// registryHostsConfig lets containerd pull from the plain-HTTP local registry.
func registryHostsConfig(c *Config) string {
	return fmt.Sprintf(`server = "http://%[1]s"

[host."http://%[1]s"]
  capabilities = ["pull", "resolve"]
  skip_verify = true
`, registryHost(c))
}

// cniConfig is a bridge network with host-local IPAM whose lease files live in the state
// directory.
func cniConfig(l layout) string {
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       "kubernaut-dev",
		"plugins": []any{
			map[string]any{
				"type": "bridge", "bridge": bridgeName, "isGateway": true, "ipMasq": true, "hairpinMode": true,
				"ipam": map[string]any{
					"type":    "host-local",
					"dataDir": l.cniIPAMData(),
					"ranges":  [][]map[string]string{{{"subnet": podCIDR}}},
					"routes":  []map[string]string{{"dst": "0.0.0.0/0"}},
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
		},
	}
	data, err := json.MarshalIndent(conf, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("marshal constant CNI config: %v", err))
	}
	return string(data) + "\n"
}

// kubeletConfig targets a cgroup v1 host without systemd as PID 1. failCgroupV1 must be false or
// kubelet refuses to start; clusterDNS is empty because the cluster runs no DNS server.
func kubeletConfig(l layout) string {
	return fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://%s
failSwapOn: false
address: 0.0.0.0
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: %s
authorization:
  mode: Webhook
tlsCertFile: %s
tlsPrivateKeyFile: %s
rotateCertificates: false
serverTLSBootstrap: false
clusterDomain: cluster.local
clusterDNS: []
resolvConf: /etc/resolv.conf
evictionHard:
  memory.available: "100Mi"
  nodefs.available: "1%%"
  nodefs.inodesFree: "1%%"
  imagefs.available: "1%%"
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
maxPods: 50
`, l.containerdSocket(), l.pkiFile("ca.crt"), l.pkiFile("kubelet-serving.crt"), l.pkiFile("kubelet-serving.key"))
}

// kubeProxyConfig runs kube-proxy in iptables mode with its endpoints on loopback.
func kubeProxyConfig(c *Config) string {
	return fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: %s
clusterCIDR: %s
hostnameOverride: %s
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["primary"]
conntrack:
  maxPerCore: 0
`, c.layout().kubeconfig("proxy"), podCIDR, c.NodeName)
}
