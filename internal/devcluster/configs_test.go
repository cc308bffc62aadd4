package devcluster

import (
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

func testConfig(t *testing.T) *Config {
	return &Config{StateDir: t.TempDir(), BinDir: "/opt/k8s", RegistryPort: 5000, NodeName: "vm",
		NodeIP: net.ParseIP("192.0.2.2")}
}

func TestKubeletConfigAcceptsCgroupV1AndLivesInTheStateDir(t *testing.T) {
	c := testConfig(t)
	var got map[string]any
	if err := yaml.Unmarshal([]byte(kubeletConfig(c.layout())), &got); err != nil {
		t.Fatalf("kubelet config is not YAML: %v", err)
	}
	want := map[string]any{
		"failCgroupV1":             false,
		"cgroupDriver":             "cgroupfs",
		"containerRuntimeEndpoint": "unix://" + c.layout().containerdSocket(),
		"readOnlyPort":             float64(0),
		"clusterDNS":               []any{},
	}
	for key, value := range want {
		if diff := cmp.Diff(value, got[key]); diff != "" {
			t.Errorf("kubelet %s (-want +got):\n%s", key, diff)
		}
	}
}

func TestContainerdConfigCarriesTheSettingsThisHostNeeds(t *testing.T) {
	c := testConfig(t)
	conf := containerdConfig(c)
	for _, want := range []string{
		"version = 4",
		"restrict_oom_score_adj = true", // root lacks CAP_SYS_RESOURCE
		"netns_mounts_under_state_dir = true",
		`sandbox = "127.0.0.1:5000/pause:1.0"`,
		`BinaryName = "/usr/sbin/runc"`,
		"[plugins.'io.containerd.server.v1.grpc']\n    address = \"" + c.layout().containerdSocket() + `"`,
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("containerd config lacks %q:\n%s", want, conf)
		}
	}
}

func TestCNIConfigKeepsLeasesInTheStateDir(t *testing.T) {
	c := testConfig(t)
	var conf struct {
		Plugins []struct {
			Type string `json:"type"`
			IPAM struct {
				DataDir string `json:"dataDir"`
			} `json:"ipam"`
		} `json:"plugins"`
	}
	if err := json.Unmarshal([]byte(cniConfig(c.layout())), &conf); err != nil {
		t.Fatalf("CNI config is not JSON: %v", err)
	}
	if diff := cmp.Diff(c.layout().cniIPAMData(), conf.Plugins[0].IPAM.DataDir); diff != "" {
		t.Errorf("IPAM dataDir (-want +got):\n%s", diff)
	}
}
