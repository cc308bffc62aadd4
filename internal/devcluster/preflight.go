package devcluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Host tools the cluster uses from Debian packages.
const (
	runcPath  = "/usr/sbin/runc"
	cniBinDir = "/usr/lib/cni"
)

// hostPackages maps a file the cluster needs to the Debian package that provides it.
var hostPackages = []struct{ file, pkg string }{
	{runcPath, "runc"},
	{filepath.Join(cniBinDir, "bridge"), "containernetworking-plugins"},
	{"/usr/sbin/iptables", "iptables"},
}

// Sentinel errors callers and tests branch on.
var (
	// ErrNotRoot: the cluster needs root for mounts, cgroups, network namespaces and iptables.
	ErrNotRoot = errors.New("the dev cluster must run as root")
	// ErrPortInUse: a port the cluster needs is taken by a process the cluster did not start.
	ErrPortInUse = errors.New("port in use")
	// ErrBinaryMissing: a cluster binary has not been built.
	ErrBinaryMissing = errors.New("cluster binary missing")
)

// checkPrivileges fails unless this is Linux and we are root.
func checkPrivileges() error { return checkPrivilegesOf(runtime.GOOS, os.Geteuid()) }

func checkPrivilegesOf(goos string, euid int) error {
	if goos != "linux" {
		return fmt.Errorf("the dev cluster runs on Linux only (this is %s)", goos)
	}
	if euid != 0 {
		return fmt.Errorf("%w (kubelet and containerd mount filesystems, create cgroups and network namespaces and edit iptables): run it with sudo", ErrNotRoot)
	}
	return nil
}

// checkBinaries fails, saying how to build them, when any cluster binary is missing.
func checkBinaries(binDir string) error {
	var missing []string
	for _, comp := range components() {
		if !exists(filepath.Join(binDir, comp.bin)) {
			missing = append(missing, comp.bin)
		}
	}
	if !exists(filepath.Join(binDir, pauseBinary)) {
		missing = append(missing, pauseBinary)
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w in %s: %s; run `make cluster-tools` to build them", ErrBinaryMissing, binDir, strings.Join(missing, ", "))
	}
	return nil
}

// ensureHostPackages installs the Debian packages whose files are missing.
func ensureHostPackages(c *Config) error {
	var pkgs []string
	for _, hp := range hostPackages {
		if !exists(hp.file) {
			pkgs = append(pkgs, hp.pkg)
		}
	}
	if len(pkgs) == 0 {
		return nil
	}
	c.progressf("installing Debian packages %s", strings.Join(pkgs, " "))
	if _, err := exec.LookPath("apt-get"); err != nil {
		return fmt.Errorf("install %s: apt-get not found; install them with your package manager", strings.Join(pkgs, " "))
	}
	args := append([]string{"install", "-y", "--no-install-recommends"}, pkgs...)
	out, err := runLogged(c, "apt-get", args...)
	if err != nil {
		// A stale package index is the usual cause on fresh machines; refresh it once.
		if _, uerr := runLogged(c, "apt-get", "update"); uerr == nil {
			out, err = runLogged(c, "apt-get", args...)
		}
	}
	if err != nil {
		return fmt.Errorf("apt-get install %s: %w\n%s", strings.Join(pkgs, " "), err, out)
	}
	return nil
}

func runLogged(c *Config, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	out, err := cmd.CombinedOutput()
	if f, ferr := os.OpenFile(c.layout().logFile("host-packages"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); ferr == nil {
		fmt.Fprintf(f, "$ %s %s\n%s\n", name, strings.Join(args, " "), out)
		f.Close()
	}
	return string(out), err
}

// checkPortsFree fails with the owner's name when a port is already bound.
func checkPortsFree(name string, ports []int) error {
	for _, port := range ports {
		ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
		if err != nil {
			return fmt.Errorf("%w: %s needs TCP port %d, which %s holds; stop it, or run `kubernaut dev cluster down` if it is a cluster left from an earlier run",
				ErrPortInUse, name, port, portOwner(port))
		}
		ln.Close()
	}
	return nil
}

// portOwner names the process listening on port, as well as /proc allows, for error messages.
func portOwner(port int) string {
	inode := listeningInode(port)
	if inode == "" {
		return "another process"
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range procs {
		if target, err := os.Readlink(fd); err == nil && target == "socket:["+inode+"]" {
			pid := strings.Split(fd, "/")[2]
			comm, _ := os.ReadFile("/proc/" + pid + "/comm")
			return fmt.Sprintf("process %s (pid %s)", strings.TrimSpace(string(comm)), pid)
		}
	}
	return "another process"
}

// listeningInode finds the socket inode listening on port in /proc/net/tcp{,6}.
func listeningInode(port int) string {
	hexPort := fmt.Sprintf(":%04X", port)
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			// f[1] local address, f[3] state (0A = LISTEN), f[9] inode.
			if len(f) > 9 && strings.HasSuffix(f[1], hexPort) && f[3] == "0A" {
				return f[9]
			}
		}
	}
	return ""
}
