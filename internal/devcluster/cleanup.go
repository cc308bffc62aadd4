package devcluster

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// kubepodsCgroup is the cgroup kubelet (cgroupfs driver) creates in every hierarchy.
const kubepodsCgroup = "kubepods"

// cleanHost removes what the cluster leaves on the host once its processes are gone. Each step
// runs even when an earlier one failed, so a second down can finish the job.
func cleanHost(c *Config) []error {
	l := c.layout()
	errs := []error{
		killLeftovers(c),
		unmountBelow(l.root),
		deleteBridge(),
		cleanIptables(c),
		removeCgroups(kubepodsCgroup),
		removeStaleShimSockets(),
	}
	// Leases and runtime state describe sandboxes that no longer exist.
	for _, dir := range []string{l.cniIPAMData(), l.containerdState(), l.runcRoot()} {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", dir, err))
		}
	}
	return errs
}

// killLeftovers kills what survives a crashed containerd: the processes of pods (members of the
// kubepods cgroups) and runc shims started from our bin directory for our containerd socket.
func killLeftovers(c *Config) error {
	pids := podProcesses(kubepodsCgroup)
	pids = append(pids, ourShims(c)...)
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if len(pids) > 0 {
		c.progressf("killed %d leftover pod and shim processes", len(pids))
		time.Sleep(500 * time.Millisecond) // let the kernel release their cgroups and mounts
	}
	return nil
}

// podProcesses lists the PIDs in the kubepods cgroup trees of every hierarchy.
func podProcesses(cgroup string) []int {
	var pids []int
	for _, root := range cgroupRoots() {
		_ = filepath.WalkDir(filepath.Join(root, cgroup), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Name() != "cgroup.procs" {
				return nil
			}
			data, _ := os.ReadFile(path)
			for _, f := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil && !slices.Contains(pids, pid) {
					pids = append(pids, pid)
				}
			}
			return nil
		})
	}
	return pids
}

// ourShims finds the containerd-shim-runc-v2 processes serving our containerd socket.
func ourShims(c *Config) []int {
	socket := c.layout().containerdSocket()
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		// Matched by name, not by path: the cluster may have been started from another checkout's
		// bin directory, or the binary rebuilt since (the link then ends in " (deleted)"). The
		// socket in the arguments is what makes the shim ours.
		exe, err := os.Readlink(filepath.Join(dir, "exe"))
		if err != nil || !strings.HasPrefix(filepath.Base(exe), "containerd-shim-runc-v2") {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
		if strings.Contains(string(cmdline), socket) {
			if pid, err := strconv.Atoi(filepath.Base(dir)); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// cgroupRoots lists the mounted cgroup hierarchies (v1 controllers, or the v2 root).
func cgroupRoots() []string {
	var roots []string
	mounts, _ := readMountInfo()
	for _, m := range mounts {
		if m.fsType == "cgroup" || m.fsType == "cgroup2" {
			roots = append(roots, m.point)
		}
	}
	return roots
}

// removeCgroups removes the cgroup tree name in every hierarchy, deepest first. rmdir only
// succeeds on empty cgroups, so nothing that still runs is affected.
func removeCgroups(name string) error {
	var errs []error
	for _, root := range cgroupRoots() {
		var dirs []string
		_ = filepath.WalkDir(filepath.Join(root, name), func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, path)
			}
			return nil
		})
		slices.Reverse(dirs)
		for _, dir := range dirs {
			if err := syscall.Rmdir(dir); err != nil && !errors.Is(err, syscall.ENOENT) {
				errs = append(errs, fmt.Errorf("remove cgroup %s: %w", dir, err))
			}
		}
	}
	return errors.Join(errs...)
}

// mountEntry is one line of /proc/self/mountinfo.
type mountEntry struct{ point, fsType string }

func readMountInfo() ([]mountEntry, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	var mounts []mountEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := slices.Index(fields, "-")
		if len(fields) < 5 || sep < 0 || sep+1 >= len(fields) {
			continue
		}
		mounts = append(mounts, mountEntry{point: unescapeMount(fields[4]), fsType: fields[sep+1]})
	}
	return mounts, sc.Err()
}

// unescapeMount decodes the octal escapes (\040 for space) of mountinfo paths.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountsBelow lists mount points at or below root, deepest first.
func mountsBelow(root string) ([]string, error) {
	mounts, err := readMountInfo()
	if err != nil {
		return nil, err
	}
	var points []string
	for _, m := range mounts {
		if m.point == root || strings.HasPrefix(m.point, root+"/") {
			points = append(points, m.point)
		}
	}
	slices.SortFunc(points, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	return slices.Compact(points), nil
}

// unmountBelow lazily unmounts everything below root: kubelet's bind mount of its root dir,
// volume mounts, container rootfs overlays and network namespace files.
func unmountBelow(root string) error {
	var errs []error
	for range 3 { // stacked mounts need several rounds
		points, err := mountsBelow(root)
		if err != nil || len(points) == 0 {
			return err
		}
		errs = errs[:0]
		for _, p := range points {
			if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
				errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
			}
		}
	}
	return errors.Join(errs...)
}

// deleteBridge removes the CNI bridge, which outlives every pod.
func deleteBridge() error {
	if !exists("/sys/class/net/" + bridgeName) {
		return nil
	}
	if out, err := exec.Command("ip", "link", "delete", bridgeName).CombinedOutput(); err != nil {
		return fmt.Errorf("delete bridge %s: %w: %s", bridgeName, err, out)
	}
	return nil
}

// shimSocketDir is where every containerd 2 puts its shims' sockets, whatever its state
// directory (pkg/shim.SocketAddress).
const shimSocketDir = "/run/containerd/s"

// removeStaleShimSockets removes shim sockets nobody listens on (shims killed with the cluster),
// then the directory and /run/containerd if that leaves them empty. A live socket, such as one
// of a system containerd's shims, accepts the connection and is kept.
func removeStaleShimSockets() error {
	entries, err := os.ReadDir(shimSocketDir)
	if err != nil {
		return nil // no shims ever ran
	}
	var errs []error
	for _, e := range entries {
		path := filepath.Join(shimSocketDir, e.Name())
		if e.Type()&fs.ModeSocket == 0 {
			continue
		}
		conn, err := net.DialTimeout("unix", path, time.Second)
		if err == nil {
			conn.Close()
			continue
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			if err := os.Remove(path); err != nil {
				errs = append(errs, fmt.Errorf("remove stale shim socket: %w", err))
			}
		}
	}
	_ = os.Remove(shimSocketDir)               // only succeeds when empty
	_ = os.Remove(filepath.Dir(shimSocketDir)) // likewise
	return errors.Join(errs...)
}
