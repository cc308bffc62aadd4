package devcluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// pollInterval is how often readiness is probed while waiting.
const pollInterval = 100 * time.Millisecond

// errNotReady is returned by probes that reached the component but were told to wait.
var errNotReady = errors.New("not ready yet")

// plainHTTP probes loopback endpoints with short timeouts.
var plainHTTP = &http.Client{Timeout: 2 * time.Second}

// getOK fails unless url answers 200.
func getOK(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: GET %s: %s: %s", errNotReady, url, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

func etcdReady(ctx context.Context, _ *Config) error {
	return getOK(ctx, plainHTTP, "http://127.0.0.1:2379/health")
}

// registryReady probes both addresses of the registry: pushes go to 127.0.0.1, pods pull and
// verify through the node's address.
func registryReady(ctx context.Context, c *Config) error {
	if err := getOK(ctx, plainHTTP, "http://"+registryHost(c)+"/v2/"); err != nil {
		return err
	}
	node := registryNodeHost(c)
	if node == "" {
		return nil
	}
	if err := getOK(ctx, plainHTTP, "http://"+node+"/v2/"); err != nil {
		return fmt.Errorf("registry does not serve the node address %s (an agent started before it "+
			"did? `kubernaut dev cluster down` and up again): %w", node, err)
	}
	return nil
}

func containerdReady(ctx context.Context, c *Config) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.layout().containerdSocket())
	if err != nil {
		return err
	}
	return conn.Close()
}

func kubeletReady(ctx context.Context, _ *Config) error {
	return getOK(ctx, plainHTTP, "http://127.0.0.1:10248/healthz")
}

// kubeProxyReady accepts any answer: kube-proxy's healthz says 503 until it has synced rules
// for the node, which is not needed for pods to start.
func kubeProxyReady(ctx context.Context, _ *Config) error {
	err := getOK(ctx, plainHTTP, "http://127.0.0.1:10256/healthz")
	if errors.Is(err, errNotReady) {
		return nil
	}
	return err
}

// apiServerReady asks /readyz as the cluster admin.
func apiServerReady(ctx context.Context, c *Config) error {
	client, err := adminHTTPClient(c.layout())
	if err != nil {
		return err
	}
	return getOK(ctx, client, fmt.Sprintf("https://127.0.0.1:%d/readyz", apiServerPort))
}

// httpsHealthy probes /healthz of kube-controller-manager or kube-scheduler. Their serving
// certificates are self-signed at start, so the probe does not verify them; /healthz is open
// to anonymous requests by default.
func httpsHealthy(port int) func(ctx context.Context, c *Config) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback health probe
	}}
	return func(ctx context.Context, _ *Config) error {
		return getOK(ctx, client, fmt.Sprintf("https://127.0.0.1:%d/healthz", port))
	}
}

func adminHTTPClient(l layout) (*http.Client, error) {
	cert, err := tls.LoadX509KeyPair(l.pkiFile("admin.crt"), l.pkiFile("admin.key"))
	if err != nil {
		return nil, fmt.Errorf("load admin certificate: %w", err)
	}
	caPEM, err := os.ReadFile(l.pkiFile("ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("read cluster CA: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool},
	}}, nil
}

// waitFor polls probe until it succeeds, ctx ends or timeout passes; dead reports whether the
// component has exited, which ends the wait at once with its log's tail.
func waitFor(ctx context.Context, what string, timeout time.Duration, probe func(context.Context) error,
	dead func() (bool, string)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 5*time.Second)
		last = probe(attempt)
		cancelAttempt()
		if last == nil {
			return nil
		}
		if dead != nil {
			if gone, logTail := dead(); gone {
				return fmt.Errorf("%s exited while starting; last log lines:\n%s", what, logTail)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %w", what, timeout, last)
		case <-time.After(pollInterval):
		}
	}
}

// logTail returns the last n lines of a log file, for error messages.
func logTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
