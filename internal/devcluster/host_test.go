package devcluster

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitRuleKeepsQuotedCommentsAsOneArgument(t *testing.T) {
	tests := []struct {
		name string
		line string
		want []string
	}{
		{"a rule without quotes splits on spaces", "-A POSTROUTING -s 10.88.0.2/32 -j CNI-abc",
			[]string{"-A", "POSTROUTING", "-s", "10.88.0.2/32", "-j", "CNI-abc"}},
		{"a quoted comment with spaces stays one argument",
			`-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
			[]string{"-A", "OUTPUT", "-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"}},
		{"an escaped quote inside a comment is kept",
			`-A X --comment "say \"hi\"" -j CNI-x`,
			[]string{"-A", "X", "--comment", `say "hi"`, "-j", "CNI-x"}},
		{"an empty quoted string is an argument", `-A X --comment "" -j Y`,
			[]string{"-A", "X", "--comment", "", "-j", "Y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, splitRule(tt.line)); diff != "" {
				t.Errorf("splitRule(%q) (-want +got):\n%s", tt.line, diff)
			}
		})
	}
}

func TestOnlyRulesJumpingToClusterChainsAreOurs(t *testing.T) {
	tests := []struct {
		name string
		rule []string
		want bool
	}{
		{"a jump to a KUBE chain is ours", []string{"-A", "INPUT", "-j", "KUBE-FIREWALL"}, true},
		{"a goto to a CNI chain is ours", []string{"-A", "POSTROUTING", "-g", "CNI-1"}, true},
		{"an ACCEPT is not ours", []string{"-A", "INPUT", "-j", "ACCEPT"}, false},
		{"a chain merely named in a comment is not ours", []string{"-A", "INPUT", "--comment", "KUBE-X", "-j", "DROP"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jumpsToOurs(tt.rule); got != tt.want {
				t.Errorf("jumpsToOurs(%v) = %v, want %v", tt.rule, got, tt.want)
			}
		})
	}
}

func TestMountPointsAreUnescaped(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a plain path is unchanged", "/var/lib/kubelet", "/var/lib/kubelet"},
		{"an escaped space is decoded", `/tmp/a\040b`, "/tmp/a b"},
		{"a trailing backslash is kept", `/tmp/a\`, `/tmp/a\`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, unescapeMount(tt.in)); diff != "" {
				t.Errorf("unescapeMount(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestEnvPointsAtTheStateDirAndTheSavedRegistryPort(t *testing.T) {
	dir := t.TempDir()
	if err := saveParams(&Config{StateDir: dir, RegistryPort: 5123}); err != nil {
		t.Fatal(err)
	}
	got, err := Env(Config{StateDir: dir})
	if err != nil {
		t.Fatalf("Env: %v", err)
	}
	want := []string{
		"export KUBECONFIG=" + dir + "/kubeconfig/admin.conf",
		"export KUBERNAUT_REGISTRY=127.0.0.1:5123",
		"export KUBERNAUT_DEV_STATE_DIR=" + dir,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Env (-want +got):\n%s", diff)
	}
}

func TestShellQuoteQuotesOnlyWhatTheShellWouldSplit(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a plain path stays bare", "/var/lib/kubernaut-dev", "/var/lib/kubernaut-dev"},
		{"a space is quoted", "/tmp/a b", "'/tmp/a b'"},
		{"a single quote is escaped", "/tmp/it's", `'/tmp/it'\''s'`},
		{"the empty string is quoted", "", "''"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, shellQuote(tt.in)); diff != "" {
				t.Errorf("shellQuote(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
