package devcluster

import (
	"context"
	"strconv"
)

// component is one daemon of the cluster: how to start it and how to tell that it serves.
type component struct {
	name string
	bin  string // file name in the bin directory
	args func(c *Config) []string
	env  func(c *Config) []string
	// ports are the TCP ports it listens on; up checks they are free before starting it.
	ports []int
	ready func(ctx context.Context, c *Config) error
}

// components lists the daemons in start order; down stops them in reverse order, except that
// kubelet goes first so it cannot restart pods while the runtime is being emptied.
func components() []component {
	return []component{
		{name: "etcd", bin: "etcd", args: etcdArgs, ports: []int{2379, 2380, 2381}, ready: etcdReady},
		{name: "registry", bin: agentBinary, args: registryArgs, ports: nil, ready: registryReady},
		{name: "containerd", bin: "containerd", args: containerdArgs, env: containerdEnv, ready: containerdReady},
		{name: "kube-apiserver", bin: "kube-apiserver", args: apiServerArgs, ports: []int{apiServerPort}, ready: apiServerReady},
		{name: "kube-controller-manager", bin: "kube-controller-manager", args: controllerManagerArgs,
			ports: []int{10257}, ready: httpsHealthy(10257)},
		{name: "kube-scheduler", bin: "kube-scheduler", args: schedulerArgs, ports: []int{10259}, ready: httpsHealthy(10259)},
		{name: "kubelet", bin: "kubelet", args: kubeletArgs, ports: []int{10248, 10250}, ready: kubeletReady},
		{name: "kube-proxy", bin: "kube-proxy", args: kubeProxyArgs, ports: []int{10249, 10256}, ready: kubeProxyReady},
		{name: "provisioner", bin: agentBinary, args: provisionerArgs, ready: nil},
	}
}

func etcdArgs(c *Config) []string {
	return []string{
		"--name=local", "--data-dir=" + c.layout().etcdData(),
		"--listen-client-urls=http://127.0.0.1:2379", "--advertise-client-urls=http://127.0.0.1:2379",
		"--listen-peer-urls=http://127.0.0.1:2380", "--initial-advertise-peer-urls=http://127.0.0.1:2380",
		"--initial-cluster=local=http://127.0.0.1:2380", "--listen-metrics-urls=http://127.0.0.1:2381",
		"--quota-backend-bytes=2147483648", "--log-level=warn",
	}
}

func registryArgs(c *Config) []string {
	return []string{"registry", "--addr=" + registryHost(c), "--read-only-addr=" + registryNodeHost(c),
		"--dir=" + c.layout().registryData()}
}

func provisionerArgs(c *Config) []string {
	l := c.layout()
	return []string{"provisioner", "--kubeconfig=" + l.kubeconfig("provisioner"), "--dir=" + l.volumes(),
		"--storage-class=" + StorageClassName, "--name=" + ProvisionerName}
}

func containerdArgs(c *Config) []string {
	return []string{"--config=" + c.layout().configFile("containerd.toml")}
}

// containerdEnv puts the bin directory first on PATH: containerd finds containerd-shim-runc-v2
// there.
func containerdEnv(c *Config) []string {
	return []string{"PATH=" + c.BinDir + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
}

func apiServerArgs(c *Config) []string {
	l := c.layout()
	p := l.pkiFile
	return []string{
		"--etcd-servers=http://127.0.0.1:2379", "--secure-port=" + strconv.Itoa(apiServerPort),
		"--advertise-address=" + c.NodeIP.String(), "--allow-privileged=true",
		"--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
		"--service-cluster-ip-range=" + serviceCIDR, "--client-ca-file=" + p("ca.crt"),
		"--tls-cert-file=" + p("apiserver.crt"), "--tls-private-key-file=" + p("apiserver.key"),
		"--kubelet-client-certificate=" + p("apiserver-kubelet-client.crt"),
		"--kubelet-client-key=" + p("apiserver-kubelet-client.key"),
		"--kubelet-certificate-authority=" + p("ca.crt"),
		"--kubelet-preferred-address-types=InternalIP,Hostname",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p("sa.pub"), "--service-account-signing-key-file=" + p("sa.key"),
		"--requestheader-client-ca-file=" + p("front-proxy-ca.crt"),
		"--requestheader-allowed-names=front-proxy-client",
		"--requestheader-username-headers=X-Remote-User", "--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + p("front-proxy-client.crt"), "--proxy-client-key-file=" + p("front-proxy-client.key"),
	}
}

func controllerManagerArgs(c *Config) []string {
	l := c.layout()
	kc := l.kubeconfig("controller-manager")
	return []string{
		"--kubeconfig=" + kc, "--authentication-kubeconfig=" + kc, "--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1", "--leader-elect=false", "--use-service-account-credentials=true",
		"--controllers=*,bootstrapsigner,tokencleaner",
		"--service-account-private-key-file=" + l.pkiFile("sa.key"), "--root-ca-file=" + l.pkiFile("ca.crt"),
		"--cluster-signing-cert-file=" + l.pkiFile("ca.crt"), "--cluster-signing-key-file=" + l.pkiFile("ca.key"),
		"--service-cluster-ip-range=" + serviceCIDR,
	}
}

func schedulerArgs(c *Config) []string {
	kc := c.layout().kubeconfig("scheduler")
	return []string{
		"--kubeconfig=" + kc, "--authentication-kubeconfig=" + kc, "--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1", "--leader-elect=false",
	}
}

func kubeletArgs(c *Config) []string {
	l := c.layout()
	return []string{
		"--config=" + l.configFile("kubelet.yaml"), "--kubeconfig=" + l.kubeconfig("kubelet"),
		"--hostname-override=" + c.NodeName, "--node-ip=" + c.NodeIP.String(), "--root-dir=" + l.kubeletRoot(),
	}
}

func kubeProxyArgs(c *Config) []string {
	return []string{"--config=" + c.layout().configFile("kube-proxy.yaml")}
}
