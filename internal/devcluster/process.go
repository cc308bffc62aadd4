package devcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procIdentity identifies a process we started: the PID plus its start time in clock ticks since
// boot, so that a PID reused by an unrelated process after a crash is never signalled.
type procIdentity struct {
	PID       int
	StartTime uint64
}

// procState reads the state letter and start time of pid from /proc.
func procState(pid int) (state byte, start uint64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	state, start, err = parseStat(string(data))
	if err != nil {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	return state, start, nil
}

// parseStat extracts the state and start time from the text of /proc/PID/stat. The command
// name (field 2) may contain spaces and parentheses; the fields after the last ')' are fixed:
// state is field 3 and starttime field 22.
func parseStat(stat string) (state byte, start uint64, err error) {
	paren := strings.LastIndexByte(stat, ')')
	if paren < 0 {
		return 0, 0, errors.New("no command name")
	}
	fields := strings.Fields(stat[paren+1:])
	if len(fields) < 20 {
		return 0, 0, fmt.Errorf("%d fields after the command name, want at least 20", len(fields))
	}
	start, err = strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("start time: %w", err)
	}
	return fields[0][0], start, nil
}

// alive reports whether id still runs. Zombies count as dead: PID 1 on these machines reaps
// orphans lazily, so a stopped daemon can linger as a zombie (local-cluster.md gotcha 12).
func (id procIdentity) alive() bool {
	state, start, err := procState(id.PID)
	return err == nil && start == id.StartTime && state != 'Z'
}

// startDaemon starts bin with args in its own session, logging to the component's log file, and
// records its identity in the component's pid file.
func startDaemon(l layout, name, bin string, args, extraEnv []string) (procIdentity, error) {
	logPath := l.logFile(name)
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return procIdentity{}, fmt.Errorf("create log directory: %w", err)
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return procIdentity{}, fmt.Errorf("open log of %s: %w", name, err)
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "\n==== %s starting %s %s\n", time.Now().UTC().Format(time.RFC3339), bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), extraEnv...)
	// A new session keeps the daemons alive when the terminal or test that ran up goes away.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return procIdentity{}, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	// Reap the child if it dies while this process still runs (the test binary, for example).
	go func() { _ = cmd.Wait() }()
	_, start, err := procState(cmd.Process.Pid)
	if err != nil {
		return procIdentity{}, fmt.Errorf("read start time of %s (pid %d): %w", name, cmd.Process.Pid, err)
	}
	id := procIdentity{PID: cmd.Process.Pid, StartTime: start}
	if err := writePidFile(l.pidFile(name), id); err != nil {
		_ = cmd.Process.Kill()
		return procIdentity{}, err
	}
	return id, nil
}

func writePidFile(path string, id procIdentity) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create pid directory: %w", err)
	}
	data := fmt.Sprintf("%d %d\n", id.PID, id.StartTime)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		return fmt.Errorf("write pid file %s: %w", path, err)
	}
	return nil
}

// readPidFile returns the recorded identity; ok is false when there is no pid file.
func readPidFile(path string) (id procIdentity, ok bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return procIdentity{}, false, nil
	}
	if err != nil {
		return procIdentity{}, false, fmt.Errorf("read pid file: %w", err)
	}
	if _, err := fmt.Sscanf(string(data), "%d %d", &id.PID, &id.StartTime); err != nil {
		return procIdentity{}, false, fmt.Errorf("parse pid file %s: %w", path, err)
	}
	return id, true, nil
}

// runningDaemon returns the identity of the component's process if it is still alive.
func runningDaemon(l layout, name string) (procIdentity, bool) {
	id, ok, err := readPidFile(l.pidFile(name))
	if err != nil || !ok {
		return procIdentity{}, false
	}
	return id, id.alive()
}

// stopDaemon stops the process recorded for name: SIGTERM, then SIGKILL after grace. A pid
// file whose process is gone (after a crash) is simply removed.
func stopDaemon(l layout, name string, grace time.Duration) (stopped bool, err error) {
	id, running := runningDaemon(l, name)
	if running {
		if err := syscall.Kill(id.PID, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return false, fmt.Errorf("signal %s (pid %d): %w", name, id.PID, err)
		}
		if !waitDead(id, grace) {
			_ = syscall.Kill(id.PID, syscall.SIGKILL)
			if !waitDead(id, 5*time.Second) {
				return false, fmt.Errorf("%s (pid %d) survived SIGKILL", name, id.PID)
			}
		}
	}
	if err := os.Remove(l.pidFile(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return running, fmt.Errorf("remove pid file of %s: %w", name, err)
	}
	return running, nil
}

func waitDead(id procIdentity, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !id.alive() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return !id.alive()
}

// lockState takes an exclusive lock on the state directory, so that two ups (or an up and a
// down) never start or stop the same components at once. It waits for the other to finish.
func lockState(l layout) (unlock func(), err error) {
	if err := os.MkdirAll(l.root, 0o755); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	f, err := os.OpenFile(l.path("lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open state lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock state directory %s: %w", l.root, err)
	}
	return func() { _ = f.Close() }, nil
}
