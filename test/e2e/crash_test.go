//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/internal/devcluster"
)

// TestDownAfterACrashLeavesNothingBehind kills every daemon of the cluster while a pod with a
// volume runs, then checks that down removes all that the cluster left on the host, and brings
// the cluster back up for the other tests (a cluster the suite reused is thereby restarted).
func TestDownAfterACrashLeavesNothingBehind(t *testing.T) {
	ctx, ns := testNamespace(t)
	startPodWithVolume(ctx, t, ns)

	status, err := devcluster.GetStatus(ctx, suite.config)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	for _, comp := range status.Components {
		if comp.Running {
			_ = syscall.Kill(comp.PID, syscall.SIGKILL)
		}
	}
	for _, comp := range status.Components {
		waitGone(t, comp.PID)
	}
	if err := devcluster.Down(ctx, suite.config, devcluster.DownOptions{}); err != nil {
		t.Errorf("down after the crash: %v", err)
	}
	checkNothingLeft(t, status.StateDir)

	cfg := suite.config
	cfg.Progress = testWriter{t}
	if _, err := devcluster.Up(ctx, cfg); err != nil {
		t.Fatalf("up after the crash: %v", err)
	}
}

// startPodWithVolume runs a long-lived pod with a provisioned volume, so the crash leaves a
// sandbox, a veth on cni0, mounts and pod cgroups behind.
func startPodWithVolume(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "crash"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Mi")}},
		},
	}
	if _, err := suite.client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create claim: %v", err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sleeper"},
		Spec: corev1.PodSpec{
			DNSPolicy: corev1.DNSDefault,
			Containers: []corev1.Container{{Name: "sleep", Image: suite.cluster.Registry + "/pause:1.0",
				VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}}},
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "crash"}}}},
		},
	}
	if _, err := suite.client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		got, err := suite.client.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
		if err == nil && got.Status.Phase == corev1.PodRunning {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("pod %s/%s not Running within a minute", ns, pod.Name)
}

// waitGone waits until pid has exited (a zombie counts: it holds no resources). Large processes
// take a moment to die after SIGKILL.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if pid == 0 || !liveProcess(pid) {
			return
		}
	}
	t.Fatalf("pid %d still alive 10s after SIGKILL", pid)
}

// liveProcess reports whether pid exists and is not a zombie.
func liveProcess(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
	return !strings.HasPrefix(strings.TrimSpace(rest), "Z")
}

// checkNothingLeft fails for every trace of the cluster left on the host.
func checkNothingLeft(t *testing.T, stateDir string) {
	t.Helper()
	// Every daemon and shim of the cluster names the state directory in its arguments; other
	// users of the same binaries (envtest, say) do not.
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, path := range cmdlines {
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		cmdline, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(cmdline), stateDir+"/") && liveProcess(pid) && pid != os.Getpid() {
			t.Errorf("process %d still runs: %s", pid, strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	mountinfo, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(mountinfo), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], stateDir+"/") {
			t.Errorf("still mounted: %s", f[4])
		}
	}
	if _, err := os.Stat("/sys/class/net/cni0"); err == nil {
		t.Error("bridge cni0 still exists")
	}
	if left, _ := filepath.Glob("/sys/fs/cgroup/*/kubepods"); len(left) > 0 {
		t.Errorf("kubepods cgroups still exist: %v", left)
	}
	for _, table := range []string{"filter", "nat", "mangle"} {
		out, err := exec.Command("iptables", "-w", "-t", table, "-S").Output()
		if err != nil {
			t.Errorf("iptables -t %s -S: %v", table, err)
			continue
		}
		for _, rule := range strings.Split(string(out), "\n") {
			if strings.Contains(rule, "KUBE-") || strings.Contains(rule, "CNI-") {
				t.Errorf("iptables %s still has %q", table, rule)
			}
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
