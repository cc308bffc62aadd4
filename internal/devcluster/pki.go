package devcluster

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certValidity is long because the dev cluster never rotates certificates.
const certValidity = 10 * 365 * 24 * time.Hour

// authority is a CA that signs the cluster's leaf certificates.
type authority struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// leafSpec describes one leaf certificate of the cluster.
type leafSpec struct {
	name   string // file stem in the pki directory
	cn     string
	orgs   []string
	server bool
	dns    []string
	ips    []net.IP
}

// leafSpecs lists every certificate the components use; the names are the file stems.
func leafSpecs(nodeName string, nodeIP net.IP) []leafSpec {
	loopback := net.ParseIP("127.0.0.1")
	return []leafSpec{
		{name: "apiserver", cn: "kube-apiserver", server: true,
			dns: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
				"kubernetes.default.svc.cluster.local", nodeName},
			ips: []net.IP{loopback, net.ParseIP(serviceAPIServerIP), nodeIP}},
		{name: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", orgs: []string{"system:masters"}},
		{name: "admin", cn: "kubernetes-admin", orgs: []string{"system:masters"}},
		{name: "controller-manager", cn: "system:kube-controller-manager"},
		{name: "scheduler", cn: "system:kube-scheduler"},
		{name: "proxy", cn: "system:kube-proxy"},
		{name: "kubelet-client", cn: "system:node:" + nodeName, orgs: []string{"system:nodes"}},
		{name: "kubelet-serving", cn: "system:node:" + nodeName, server: true,
			dns: []string{nodeName, "localhost"}, ips: []net.IP{loopback, nodeIP}},
		{name: "provisioner", cn: "kubernaut:dev-provisioner", orgs: []string{"system:masters"}},
	}
}

// ensurePKI creates the cluster CA, the front-proxy CA, the leaf certificates and the service
// account key in dir. Files that exist are kept, so a restarted cluster keeps its identity and
// existing kubeconfigs stay valid.
func ensurePKI(dir, nodeName string, nodeIP net.IP) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create pki directory: %w", err)
	}
	ca, err := ensureCA(dir, "ca", "kubernaut-dev-ca")
	if err != nil {
		return err
	}
	for _, spec := range leafSpecs(nodeName, nodeIP) {
		if err := ensureLeaf(dir, ca, spec); err != nil {
			return err
		}
	}
	// The front-proxy CA is separate because the apiserver trusts any client cert it signs to
	// assert a user name in request headers; without it kcm and the scheduler log
	// "missing content for CA bundle ... requestheader-client-ca-file" forever.
	fp, err := ensureCA(dir, "front-proxy-ca", "kubernaut-dev-front-proxy-ca")
	if err != nil {
		return err
	}
	if err := ensureLeaf(dir, fp, leafSpec{name: "front-proxy-client", cn: "front-proxy-client"}); err != nil {
		return err
	}
	return ensureServiceAccountKey(dir)
}

// ensureCA loads the CA <stem>.crt/.key from dir or creates it.
func ensureCA(dir, stem, cn string) (*authority, error) {
	certPath, keyPath := filepath.Join(dir, stem+".crt"), filepath.Join(dir, stem+".key")
	if exists(certPath) && exists(keyPath) {
		return loadAuthority(certPath, keyPath)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate %s key: %w", stem, err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("self-sign %s: %w", stem, err)
	}
	if err := writeKeyPair(certPath, keyPath, der, key); err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", stem, err)
	}
	return &authority{cert: cert, key: key}, nil
}

// ensureLeaf creates <spec.name>.crt/.key signed by ca unless both exist.
func ensureLeaf(dir string, ca *authority, spec leafSpec) error {
	certPath, keyPath := filepath.Join(dir, spec.name+".crt"), filepath.Join(dir, spec.name+".key")
	if exists(certPath) && exists(keyPath) {
		return nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate %s key: %w", spec.name, err)
	}
	usage := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if spec.server {
		usage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: spec.cn, Organization: spec.orgs},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  usage,
		DNSNames:     spec.dns,
		IPAddresses:  spec.ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return fmt.Errorf("sign %s certificate: %w", spec.name, err)
	}
	return writeKeyPair(certPath, keyPath, der, key)
}

// ensureServiceAccountKey creates the RSA key that signs service account tokens. RSA because
// every token consumer supports RS256.
func ensureServiceAccountKey(dir string) error {
	keyPath, pubPath := filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	if exists(keyPath) && exists(pubPath) {
		return nil
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generate service account key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return fmt.Errorf("encode service account public key: %w", err)
	}
	if err := writePEM(pubPath, "PUBLIC KEY", pub, 0o644); err != nil {
		return err
	}
	return writePEM(keyPath, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key), 0o600)
}

func loadAuthority(certPath, keyPath string) (*authority, error) {
	certDER, err := readPEM(certPath)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", certPath, err)
	}
	keyDER, err := readPEM(keyPath)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParseECPrivateKey(keyDER)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", keyPath, err)
	}
	return &authority{cert: cert, key: key}, nil
}

func writeKeyPair(certPath, keyPath string, der []byte, key *ecdsa.PrivateKey) error {
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode %s: %w", keyPath, err)
	}
	if err := writePEM(keyPath, "EC PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	return writePEM(certPath, "CERTIFICATE", der, 0o644)
}

func writePEM(path, blockType string, der []byte, mode os.FileMode) error {
	data := pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func readPEM(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("read %s: %w", path, errors.New("no PEM block"))
	}
	return block.Bytes, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return n
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
