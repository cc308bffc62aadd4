package devcluster

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestDaemonIsStoppedByItsRecordedIdentity(t *testing.T) {
	l := layout{root: t.TempDir()}
	id, err := startDaemon(l, "sleeper", "/bin/sleep", []string{"60"}, nil)
	if err != nil {
		t.Fatalf("startDaemon: %v", err)
	}
	if got, running := runningDaemon(l, "sleeper"); !running || got != id {
		t.Fatalf("runningDaemon = %+v, %v; want %+v, true", got, running, id)
	}
	stopped, err := stopDaemon(l, "sleeper", 5*time.Second)
	if err != nil || !stopped {
		t.Fatalf("stopDaemon = %v, %v; want true, nil", stopped, err)
	}
	if id.alive() {
		t.Errorf("pid %d still alive after stopDaemon", id.PID)
	}
	if _, err := os.Stat(l.pidFile("sleeper")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid file left behind: %v", err)
	}
	if stopped, err := stopDaemon(l, "sleeper", time.Second); err != nil || stopped {
		t.Errorf("second stopDaemon = %v, %v; want false, nil", stopped, err)
	}
}

func TestAReusedPIDIsNotMistakenForOurDaemon(t *testing.T) {
	l := layout{root: t.TempDir()}
	// This test process has the recorded PID but started at another time, as an unrelated
	// process would after a crash and PID reuse.
	_, start, err := procState(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if err := writePidFile(l.pidFile("etcd"), procIdentity{PID: os.Getpid(), StartTime: start + 1}); err != nil {
		t.Fatal(err)
	}
	if _, running := runningDaemon(l, "etcd"); running {
		t.Fatal("runningDaemon took a process with another start time for ours")
	}
	if stopped, err := stopDaemon(l, "etcd", time.Second); err != nil || stopped {
		t.Fatalf("stopDaemon = %v, %v; want false, nil (and this test still alive)", stopped, err)
	}
}

func TestCheckBinariesSaysHowToBuildThem(t *testing.T) {
	err := checkBinaries(t.TempDir())
	if !errors.Is(err, ErrBinaryMissing) {
		t.Fatalf("checkBinaries on an empty dir: got %v, want ErrBinaryMissing", err)
	}
	for _, want := range []string{"make cluster-tools", "kubelet", "containerd", pauseBinary} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
