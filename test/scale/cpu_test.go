package scale_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is Linux's USER_HZ, the unit of the CPU times in /proc/<pid>/stat; it is 100 on
// every architecture Go supports.
const clockTicks = 100

// cpuMeter reads the CPU time of the processes that share the machine's cores during a run: the
// manager, the API server and etcd (children of this process, started by envtest) and this
// process, which plays the users and the kubelets. On two shared cores their sum, not the
// manager's workers, is what bounds the throughput; the split says whose the time is.
type cpuMeter struct {
	pids map[string]int
}

// newCPUMeter finds the control plane's processes among this process's children.
func newCPUMeter(managerPID int) (*cpuMeter, error) {
	m := &cpuMeter{pids: map[string]int{"manager": managerPID, "benchmark (users, kubelet, proxy)": os.Getpid()}}
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return nil, err
	}
	for _, path := range stats {
		comm, ppid, _, err := readStat(path)
		if err == nil && ppid == os.Getpid() && (comm == "kube-apiserver" || comm == "etcd") {
			m.pids[comm] = pidOf(path)
		}
	}
	if len(m.pids) != 4 {
		return nil, fmt.Errorf("found the processes %v among this process's children, want the manager, kube-apiserver and etcd", m.pids)
	}
	return m, nil
}

// read returns each process's CPU time so far, in seconds.
func (m *cpuMeter) read() (map[string]float64, error) {
	out := map[string]float64{}
	for name, pid := range m.pids {
		_, _, ticks, err := readStat(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return nil, fmt.Errorf("CPU time of %s: %w", name, err)
		}
		out[name] = float64(ticks) / clockTicks
	}
	return out, nil
}

// readStat returns a process's command name, parent and user plus system CPU ticks. The name is
// in parentheses and may hold spaces, so the fields are counted from its closing parenthesis.
func readStat(path string) (comm string, ppid int, ticks int64, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", 0, 0, err
	}
	s := string(data)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return "", 0, 0, fmt.Errorf("%s: unexpected format", path)
	}
	fields := strings.Fields(s[end+1:]) // fields[0] is the state, field 3 of stat(5)
	if len(fields) < 13 {
		return "", 0, 0, fmt.Errorf("%s: %d fields", path, len(fields))
	}
	ppid, _ = strconv.Atoi(fields[1])
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return s[open+1 : end], ppid, utime + stime, nil
}

func pidOf(statPath string) int {
	pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(statPath)))
	return pid
}
