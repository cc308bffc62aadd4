package devcluster

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEnvCommandPrintsExportLinesForTheGivenStateDir(t *testing.T) {
	dir := t.TempDir()
	cmd := Command()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"env", "--state-dir", dir})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("env: %v", err)
	}
	want := fmt.Sprintf("export KUBECONFIG=%[1]s/kubeconfig/admin.conf\nexport KUBERNAUT_REGISTRY=127.0.0.1:5000\nexport KUBERNAUT_DEV_STATE_DIR=%[1]s\n", dir)
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("env output (-want +got):\n%s", diff)
	}
}

func TestStatusOfAClusterThatNeverRanSaysStoppedAndFails(t *testing.T) {
	cmd := Command()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&bytes.Buffer{})
	cmd.SetArgs([]string{"status", "--state-dir", t.TempDir()})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "is not up") {
		t.Fatalf("status of an empty state dir: got %v, want a 'not up' error", err)
	}
	if got := strings.Count(out.String(), "stopped"); got != len(components()) {
		t.Errorf("status lists %d stopped components, want %d:\n%s", got, len(components()), out.String())
	}
}

func TestAPortInUseNamesTheProcessHoldingIt(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	err = checkPortsFree("kube-apiserver", []int{port})
	if !errors.Is(err, ErrPortInUse) {
		t.Fatalf("checkPortsFree: got %v, want ErrPortInUse", err)
	}
	for _, want := range []string{fmt.Sprintf("port %d", port), fmt.Sprintf("pid %d", os.Getpid()), "kube-apiserver"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestOnlyRootOnLinuxMayRunTheCluster(t *testing.T) {
	tests := []struct {
		name    string
		goos    string
		euid    int
		wantErr error
		wantMsg string
	}{
		{"root on linux may", "linux", 0, nil, ""},
		{"a user is told to use sudo", "linux", 1000, ErrNotRoot, "sudo"},
		{"another OS is refused by name", "darwin", 0, nil, "Linux only (this is darwin)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkPrivilegesOf(tt.goos, tt.euid)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("checkPrivilegesOf: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("checkPrivilegesOf: got %v, want an error saying %q", err, tt.wantMsg)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v is not %v", err, tt.wantErr)
			}
		})
	}
}
