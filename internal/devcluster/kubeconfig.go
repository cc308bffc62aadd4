package devcluster

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// kubeconfigUsers maps each kubeconfig to the certificate (pki file stem) it authenticates with.
var kubeconfigUsers = map[string]string{
	"admin":              "admin",
	"controller-manager": "controller-manager",
	"scheduler":          "scheduler",
	"kubelet":            "kubelet-client",
	"proxy":              "proxy",
	"provisioner":        "provisioner",
}

// writeKubeconfigs writes one kubeconfig per identity. Certificates are embedded so the admin
// kubeconfig can be copied elsewhere and still work.
func writeKubeconfigs(l layout) error {
	caPEM, err := os.ReadFile(l.pkiFile("ca.crt"))
	if err != nil {
		return fmt.Errorf("read cluster CA: %w", err)
	}
	for name, stem := range kubeconfigUsers {
		cfg, err := kubeconfigFor(l, caPEM, stem)
		if err != nil {
			return err
		}
		path := l.kubeconfig(name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("create kubeconfig directory: %w", err)
		}
		if err := clientcmd.WriteToFile(*cfg, path); err != nil {
			return fmt.Errorf("write kubeconfig %s: %w", path, err)
		}
	}
	return nil
}

func kubeconfigFor(l layout, caPEM []byte, stem string) (*clientcmdapi.Config, error) {
	cert, err := os.ReadFile(l.pkiFile(stem + ".crt"))
	if err != nil {
		return nil, fmt.Errorf("read %s certificate: %w", stem, err)
	}
	key, err := os.ReadFile(l.pkiFile(stem + ".key"))
	if err != nil {
		return nil, fmt.Errorf("read %s key: %w", stem, err)
	}
	const name = "kubernaut-dev"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{
		Server:                   fmt.Sprintf("https://127.0.0.1:%d", apiServerPort),
		CertificateAuthorityData: caPEM,
	}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: cert, ClientKeyData: key}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	cfg.CurrentContext = name
	return cfg, nil
}
