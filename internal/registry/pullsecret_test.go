package registry

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// isolateDockerConfig points every location the default keychain reads at an empty directory,
// so the developer's own docker login cannot leak into a test.
func isolateDockerConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, env := range []string{"HOME", "DOCKER_CONFIG", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR"} {
		t.Setenv(env, dir)
	}
	t.Setenv("REGISTRY_AUTH_FILE", dir+"/absent.json")
	return dir
}

func basicEntry(user string) string {
	return fmt.Sprintf(`{"auth":%q}`, base64.StdEncoding.EncodeToString([]byte(user+":pw-"+user)))
}

// resolveUser returns the user name the keychain picks for a repository, "" for anonymous.
func resolveUser(t *testing.T, kc authn.Keychain, repo string) string {
	t.Helper()
	r, err := name.NewRepository(repo)
	if err != nil {
		t.Fatalf("repository %q: %v", repo, err)
	}
	auth, err := kc.Resolve(r)
	if err != nil {
		t.Fatalf("Resolve(%q): %v", repo, err)
	}
	if auth == authn.Anonymous {
		return ""
	}
	cfg, err := authn.Authorization(context.Background(), auth)
	if err != nil {
		t.Fatalf("Authorization(%q): %v", repo, err)
	}
	if cfg.Password != "pw-"+cfg.Username {
		t.Fatalf("password for %q = %q, want %q", cfg.Username, cfg.Password, "pw-"+cfg.Username)
	}
	return cfg.Username
}

func TestPullSecretMatching(t *testing.T) {
	isolateDockerConfig(t)
	doc := `{"auths":{
		"registry.example.com": ` + basicEntry("host") + `,
		"registry.example.com/team": ` + basicEntry("team") + `,
		"https://registry.example.com/v2/team/app": ` + basicEntry("app") + `,
		"*.mirror.example.com": ` + basicEntry("glob") + `,
		"127.0.0.1:5000": ` + basicEntry("port") + `,
		"https://index.docker.io/v1/": ` + basicEntry("hub") + `
	}}`
	kc, err := NewKeychain([]byte(doc))
	if err != nil {
		t.Fatalf("NewKeychain: %v", err)
	}
	tests := []struct {
		name, repo, wantUser string
	}{
		{"a host key matches any repository on that host", "registry.example.com/other/x", "host"},
		{"a path key wins over the bare host", "registry.example.com/team/tool", "team"},
		{"the longest path key wins and /v2/ is ignored", "registry.example.com/team/app", "app"},
		{"a path key matches whole segments only", "registry.example.com/teamwork/x", "host"},
		{"a glob label matches one label", "eu.mirror.example.com/x", "glob"},
		{"a glob label does not match two labels", "a.eu.mirror.example.com/x", ""},
		{"the port must match", "127.0.0.1:5000/x", "port"},
		{"another port is another registry", "127.0.0.1:5001/x", ""},
		{"the Docker Hub v1 key matches Docker Hub images", "library/busybox", "hub"},
		{"an unknown host resolves to anonymous", "quay.io/x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := resolveUser(t, kc, tt.repo); got != tt.wantUser {
				t.Errorf("user for %q = %q, want %q", tt.repo, got, tt.wantUser)
			}
		})
	}
}

func TestLegacyDockercfgIsDetected(t *testing.T) {
	isolateDockerConfig(t)
	kc, err := NewKeychain([]byte(`{"docker.io": ` + basicEntry("legacy") + `}`))
	if err != nil {
		t.Fatalf("NewKeychain: %v", err)
	}
	if got := resolveUser(t, kc, "index.docker.io/library/alpine"); got != "legacy" {
		t.Errorf("user = %q, want %q (docker.io is an alias of index.docker.io)", got, "legacy")
	}
}

func TestEarlierDocumentWinsAmongEquals(t *testing.T) {
	isolateDockerConfig(t)
	first := `{"auths":{"r.example.com":` + basicEntry("first") + `}}`
	second := `{"auths":{"r.example.com":` + basicEntry("second") + `}}`
	kc, err := NewKeychain([]byte(first), []byte(second))
	if err != nil {
		t.Fatalf("NewKeychain: %v", err)
	}
	if got := resolveUser(t, kc, "r.example.com/x"); got != "first" {
		t.Errorf("user = %q, want %q", got, "first")
	}
}

func TestUsernamePasswordFieldsAreRead(t *testing.T) {
	isolateDockerConfig(t)
	kc, err := NewKeychain([]byte(`{"auths":{"r.example.com":{"username":"plain","password":"pw-plain"}}}`))
	if err != nil {
		t.Fatalf("NewKeychain: %v", err)
	}
	if got := resolveUser(t, kc, "r.example.com/x"); got != "plain" {
		t.Errorf("user = %q, want %q", got, "plain")
	}
}

func TestNewKeychainRejectsMalformedDocuments(t *testing.T) {
	tests := []struct {
		name, doc, wantErr string
	}{
		{"not JSON", `auths: {}`,
			"registry credentials document #0: not a JSON object: invalid character 'a' looking for beginning of value"},
		{"auth is not base64", `{"auths":{"r.example.com":{"auth":"%%%"}}}`,
			`registry credentials document #0: registry "r.example.com": field "auth" is not base64: illegal base64 data at input byte 0`},
		{"auth has no colon", `{"auths":{"r.example.com":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("nocolon")) + `"}}}`,
			`registry credentials document #0: registry "r.example.com": field "auth" does not decode to "username:password"`},
		{"auths is not an object", `{"auths":[]}`,
			"registry credentials document #0: not a docker config.json document: json: cannot unmarshal array into Go struct field .auths of type map[string]registry.dockerAuth"},
		{"the registry key has no host", `{"auths":{"https://":{"username":"u"}}}`,
			`registry credentials document #0: registry "https://" is not a host[:port][/path]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewKeychain([]byte(tt.doc))
			if err == nil {
				t.Fatal("NewKeychain succeeded, want an error")
			}
			if diff := cmp.Diff(tt.wantErr, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}
