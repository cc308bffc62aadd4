package scale_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// managerPackage is built into a binary and run as a process of its own: the benchmark measures
// the program operators deploy, with its own runtime, memory and HTTP connections, not a
// manager sharing the benchmark's process and heap.
const managerPackage = "github.com/kubernaut/kubernaut/cmd/manager"

// buildManager compiles cmd/manager into a temporary directory and returns the binary's path.
func buildManager(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "manager")
	cmd := exec.Command("go", "build", "-o", bin, managerPackage)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build %s: %v\n%s", managerPackage, err, out)
	}
	return bin
}

// managerProcess is a running manager and the addresses the benchmark observes it through.
type managerProcess struct {
	cmd        *exec.Cmd
	metricsURL string
	logPath    string
	ready      chan struct{} // closed once both workflow and action controllers run workers
	exited     chan struct{} // closed when the process has ended; waitErr is then set
	waitErr    error
	stopOnce   sync.Once
}

// startManager runs the manager binary against the proxy with the flags of
// config/manager/manager.yaml (client limits and ActionExecution workers), except that it
// runs without leader election, serves metrics on a free loopback port, and reconciles only
// the runs namespace so that a previous scale's objects stay out of its cache.
func startManager(b *testing.B, bin string, proxy *countingProxy, controllerNS, runsNS string) *managerProcess {
	b.Helper()
	dir := b.TempDir()
	kubeconfig := writeKubeconfig(b, dir, proxy)
	metricsAddr := freeLoopbackAddress(b)
	m := &managerProcess{
		metricsURL: "http://" + metricsAddr + "/metrics",
		logPath:    filepath.Join(dir, "manager.log"),
		ready:      make(chan struct{}),
		exited:     make(chan struct{}),
	}
	m.cmd = exec.Command(bin,
		"--leader-elect=false",
		"--namespace="+controllerNS,
		"--watch-namespace="+runsNS,
		"--metrics-bind-address="+metricsAddr,
		"--health-probe-bind-address=0",
		"--kube-api-qps=20", "--kube-api-burst=30", "--max-concurrent-reconciles=4",
	)
	m.cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	stderr, err := m.cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := m.cmd.Start(); err != nil {
		b.Fatalf("start the manager: %v", err)
	}
	go m.followLog(b, stderr)
	go func() { m.waitErr = m.cmd.Wait(); close(m.exited) }()
	b.Cleanup(m.stop)
	m.awaitReady(b)
	return m
}

// followLog copies the manager's log to a file (named in failures) and closes ready once both
// the WorkflowExecution and the ActionExecution controller have started their workers, that
// is, once their caches are synced.
func (m *managerProcess) followLog(b *testing.B, stderr io.Reader) {
	f, err := os.Create(m.logPath)
	if err != nil {
		b.Errorf("create the manager's log file: %v", err)
		return
	}
	defer f.Close()
	started, closed := map[string]bool{}, false
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(f, line)
		if !strings.Contains(line, "Starting workers") {
			continue
		}
		for _, c := range []string{"workflowexecution", "actionexecution"} {
			if strings.Contains(line, `"controller":"`+c+`"`) {
				started[c] = true
			}
		}
		if len(started) == 2 && !closed {
			close(m.ready)
			closed = true
		}
	}
}

func (m *managerProcess) awaitReady(b *testing.B) {
	b.Helper()
	select {
	case <-m.ready:
	case <-m.exited:
		b.Fatalf("the manager exited before its controllers started (%v); log: %s", m.waitErr, m.logPath)
	case <-time.After(2 * time.Minute):
		b.Fatalf("the manager's controllers did not start within 2m; log: %s", m.logPath)
	}
}

// stop ends the manager with SIGTERM, as the kubelet would, and kills it if it does not stop.
func (m *managerProcess) stop() {
	m.stopOnce.Do(func() {
		_ = m.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-m.exited:
		case <-time.After(30 * time.Second):
			_ = m.cmd.Process.Kill()
			<-m.exited
		}
	})
}

// peakRSSMiB is the manager's peak resident memory so far (VmHWM), in MiB.
func (m *managerProcess) peakRSSMiB(b *testing.B) float64 {
	b.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", m.cmd.Process.Pid))
	if err != nil {
		b.Fatalf("read the manager's memory: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				b.Fatalf("parse VmHWM %q: %v", line, err)
			}
			return kib / 1024
		}
	}
	b.Fatalf("/proc/%d/status has no VmHWM", m.cmd.Process.Pid)
	return 0
}

// writeKubeconfig points the manager at the proxy, trusting its certificate. It carries no
// credentials: the proxy forwards with the control plane's administrator credentials.
func writeKubeconfig(b *testing.B, dir string, proxy *countingProxy) string {
	b.Helper()
	path := filepath.Join(dir, "kubeconfig")
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["bench"] = &clientcmdapi.Cluster{Server: proxy.server.URL, CertificateAuthorityData: proxy.caPEM()}
	cfg.AuthInfos["bench"] = &clientcmdapi.AuthInfo{}
	cfg.Contexts["bench"] = &clientcmdapi.Context{Cluster: "bench", AuthInfo: "bench"}
	cfg.CurrentContext = "bench"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		b.Fatalf("write the manager's kubeconfig: %v", err)
	}
	return path
}

// freeLoopbackAddress returns a 127.0.0.1 address with a port free at the time of the call.
func freeLoopbackAddress(b *testing.B) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
