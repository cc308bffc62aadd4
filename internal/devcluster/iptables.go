package devcluster

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// ourChainPrefixes are the iptables chains the cluster's components create: kube-proxy and
// kubelet (KUBE-*) and the CNI bridge and portmap plugins (CNI-*).
var ourChainPrefixes = []string{"KUBE-", "CNI-"}

// cleanIptables runs kube-proxy's own cleanup, then removes every remaining rule that jumps to
// one of our chains and the chains themselves, in IPv4 and IPv6.
func cleanIptables(c *Config) error {
	if proxy := filepath.Join(c.BinDir, "kube-proxy"); exists(proxy) {
		// Its exit code reports that rules were found and removed; only the effect matters.
		_ = exec.Command(proxy, "--cleanup").Run()
	}
	var errs []error
	for _, tool := range []string{"iptables", "ip6tables"} {
		if _, err := exec.LookPath(tool); err != nil {
			continue
		}
		for _, table := range []string{"filter", "nat", "mangle"} {
			errs = append(errs, cleanTable(tool, table))
		}
	}
	return errors.Join(errs...)
}

func cleanTable(tool, table string) error {
	out, err := exec.Command(tool, "-w", "-t", table, "-S").Output()
	if err != nil {
		return nil // table not available in this kernel
	}
	var chains []string
	var errs []error
	for _, line := range strings.Split(string(out), "\n") {
		f := splitRule(line)
		switch {
		case len(f) == 2 && f[0] == "-N" && ours(f[1]):
			chains = append(chains, f[1])
		case len(f) > 2 && f[0] == "-A" && !ours(f[1]) && jumpsToOurs(f):
			// A rule in a built-in chain that leads into ours: delete it by its spec.
			args := append([]string{"-w", "-t", table, "-D"}, f[1:]...)
			if out, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("%s -t %s: delete rule %q: %w: %s", tool, table, line, err, out))
			}
		}
	}
	for _, chain := range chains { // flush all first: our chains jump to each other
		_ = exec.Command(tool, "-w", "-t", table, "-F", chain).Run()
	}
	for _, chain := range chains {
		if out, err := exec.Command(tool, "-w", "-t", table, "-X", chain).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("%s -t %s: delete chain %s: %w: %s", tool, table, chain, err, out))
		}
	}
	return errors.Join(errs...)
}

func ours(chain string) bool {
	for _, p := range ourChainPrefixes {
		if strings.HasPrefix(chain, p) {
			return true
		}
	}
	return false
}

func jumpsToOurs(rule []string) bool {
	for i := 0; i+1 < len(rule); i++ {
		if (rule[i] == "-j" || rule[i] == "-g") && ours(rule[i+1]) {
			return true
		}
	}
	return false
}

// splitRule splits a line of `iptables -S` into arguments. Comments are printed in double quotes
// and may contain spaces, so plain field splitting would not give back a deletable rule.
func splitRule(line string) []string {
	var args []string
	var cur strings.Builder
	inQuote, started := false, false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case ch == '\\' && inQuote && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case ch == '"':
			inQuote, started = !inQuote, true
		case ch == ' ' && !inQuote:
			if started {
				args = append(args, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteByte(ch)
			started = true
		}
	}
	if started {
		args = append(args, cur.String())
	}
	return args
}
