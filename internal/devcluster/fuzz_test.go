package devcluster

import (
	"strings"
	"testing"
)

// FuzzSplitRule checks that any line splits without panicking, and that arguments quoted the
// way iptables prints them split back to themselves.
func FuzzSplitRule(f *testing.F) {
	f.Add(`-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`)
	f.Add(`-A X --comment "say \"hi\"" -j CNI-x`)
	f.Add(`"unterminated`)
	f.Fuzz(func(t *testing.T, line string) {
		args := splitRule(line)
		var quoted []string
		for _, a := range args {
			quoted = append(quoted, `"`+strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a)+`"`)
		}
		again := splitRule(strings.Join(quoted, " "))
		if strings.Join(again, "\x00") != strings.Join(args, "\x00") || len(again) != len(args) {
			t.Errorf("quoting %q and splitting again gave %q", args, again)
		}
	})
}

// FuzzParseStat checks that no /proc/PID/stat text panics the parser and that a parsed state
// comes from after the command name.
func FuzzParseStat(f *testing.F) {
	f.Add("1234 (kube apiserver) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 12 0 98765 0 0")
	f.Add("1 ((sd-pam)) Z 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42 0 0")
	f.Add(")")
	f.Fuzz(func(t *testing.T, stat string) {
		state, _, err := parseStat(stat)
		// A byte, not a rune: the state of a garbled stat line may be any byte, and a byte ≥ 0x80
		// converted to a rune would be searched for as its UTF-8 encoding.
		if err == nil && strings.IndexByte(stat[strings.LastIndexByte(stat, ')'):], state) < 0 {
			t.Errorf("parseStat(%q) state %q is not after the command name", stat, state)
		}
	})
}

// FuzzUnescapeMount checks that decoding never panics and never lengthens a path.
func FuzzUnescapeMount(f *testing.F) {
	f.Add(`/tmp/a\040b`)
	f.Add(`\`)
	f.Add(`\999`)
	f.Fuzz(func(t *testing.T, s string) {
		if got := unescapeMount(s); len(got) > len(s) {
			t.Errorf("unescapeMount(%q) = %q is longer", s, got)
		}
	})
}
