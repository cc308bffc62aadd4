package devcluster

import (
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func loadCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	der, err := readPEM(path)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return cert
}

func TestEveryLeafCertificateVerifiesAgainstTheClusterCAForItsUsage(t *testing.T) {
	dir := t.TempDir()
	nodeIP := net.ParseIP("192.0.2.2")
	if err := ensurePKI(dir, "vm", nodeIP); err != nil {
		t.Fatalf("ensurePKI: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(loadCert(t, filepath.Join(dir, "ca.crt")))
	for _, spec := range leafSpecs("vm", nodeIP) {
		t.Run(spec.name, func(t *testing.T) {
			cert := loadCert(t, filepath.Join(dir, spec.name+".crt"))
			usage := x509.ExtKeyUsageClientAuth
			if spec.server {
				usage = x509.ExtKeyUsageServerAuth
			}
			opts := x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage}}
			if _, err := cert.Verify(opts); err != nil {
				t.Errorf("verify: %v", err)
			}
			if diff := cmp.Diff(spec.cn, cert.Subject.CommonName); diff != "" {
				t.Errorf("common name (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAPIServerCertificateCoversEveryNameClientsUse(t *testing.T) {
	dir := t.TempDir()
	if err := ensurePKI(dir, "vm", net.ParseIP("192.0.2.2")); err != nil {
		t.Fatalf("ensurePKI: %v", err)
	}
	cert := loadCert(t, filepath.Join(dir, "apiserver.crt"))
	for _, host := range []string{"127.0.0.1", "10.0.0.1", "192.0.2.2", "kubernetes.default.svc", "localhost", "vm"} {
		if err := cert.VerifyHostname(host); err != nil {
			t.Errorf("apiserver certificate does not cover %s: %v", host, err)
		}
	}
}

func TestEnsurePKIKeepsExistingFilesSoKubeconfigsStayValid(t *testing.T) {
	dir := t.TempDir()
	if err := ensurePKI(dir, "vm", net.ParseIP("192.0.2.2")); err != nil {
		t.Fatalf("first ensurePKI: %v", err)
	}
	before := readAll(t, dir)
	if err := ensurePKI(dir, "vm", net.ParseIP("192.0.2.2")); err != nil {
		t.Fatalf("second ensurePKI: %v", err)
	}
	if diff := cmp.Diff(before, readAll(t, dir)); diff != "" {
		t.Errorf("PKI changed on the second run (-before +after):\n%s", diff)
	}
	for _, want := range []string{"ca.key", "front-proxy-ca.crt", "front-proxy-client.crt", "sa.key", "sa.pub"} {
		if !slices.Contains(keys(before), want) {
			t.Errorf("PKI lacks %s", want)
		}
	}
}

func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(data)
	}
	return files
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
