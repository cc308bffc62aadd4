package registry

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

func pullSecret(name string, typ corev1.SecretType, data map[string]string) corev1.Secret {
	s := corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: name}, Type: typ, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func TestKeychainFromSecretsReadsBothPullSecretTypes(t *testing.T) {
	isolateDockerConfig(t)
	kc, err := KeychainFromSecrets([]corev1.Secret{
		pullSecret("modern", corev1.SecretTypeDockerConfigJson,
			map[string]string{corev1.DockerConfigJsonKey: `{"auths":{"modern.example.com":` + basicEntry("modern") + `}}`}),
		pullSecret("legacy", corev1.SecretTypeDockercfg,
			map[string]string{corev1.DockerConfigKey: `{"legacy.example.com":` + basicEntry("legacy") + `}`}),
	})
	if err != nil {
		t.Fatalf("KeychainFromSecrets: %v", err)
	}
	for repo, want := range map[string]string{
		"modern.example.com/app": "modern",
		"legacy.example.com/app": "legacy",
		"other.example.com/app":  "",
	} {
		if got := resolveUser(t, kc, repo); got != want {
			t.Errorf("user for %q = %q, want %q", repo, got, want)
		}
	}
}

func TestKeychainFromSecretsRejectsWrongSecrets(t *testing.T) {
	tests := []struct {
		name       string
		secret     corev1.Secret
		wantErr    string
		notPullSec bool
	}{
		{
			name:       "an opaque secret is not a pull secret",
			secret:     pullSecret("opaque", corev1.SecretTypeOpaque, map[string]string{"password": "x"}),
			wantErr:    `secret team-a/opaque has type "Opaque": not an image pull secret; use type "kubernetes.io/dockerconfigjson" or "kubernetes.io/dockercfg"`,
			notPullSec: true,
		},
		{
			name:    "a dockerconfigjson secret without its key",
			secret:  pullSecret("empty", corev1.SecretTypeDockerConfigJson, map[string]string{".dockercfg": "{}"}),
			wantErr: `secret team-a/empty of type "kubernetes.io/dockerconfigjson" has no ".dockerconfigjson" key`,
		},
		{
			name: "a legacy document in a dockerconfigjson secret",
			secret: pullSecret("mixed", corev1.SecretTypeDockerConfigJson,
				map[string]string{corev1.DockerConfigJsonKey: `{"r.example.com":` + basicEntry("u") + `}`}),
			wantErr: `secret team-a/mixed key ".dockerconfigjson": no "auths" object; a legacy .dockercfg document belongs in a kubernetes.io/dockercfg secret`,
		},
		{
			name:    "a dockercfg secret holding broken JSON",
			secret:  pullSecret("broken", corev1.SecretTypeDockercfg, map[string]string{corev1.DockerConfigKey: `{`}),
			wantErr: `secret team-a/broken key ".dockercfg": not a legacy .dockercfg document: unexpected end of JSON input`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := KeychainFromSecrets([]corev1.Secret{tt.secret})
			if err == nil {
				t.Fatal("KeychainFromSecrets succeeded, want an error")
			}
			if diff := cmp.Diff(tt.wantErr, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if got := errors.Is(err, ErrNotPullSecret); got != tt.notPullSec {
				t.Errorf("errors.Is(err, ErrNotPullSecret) = %v, want %v", got, tt.notPullSec)
			}
		})
	}
}

func TestDefaultKeychainIsTheFallback(t *testing.T) {
	dir := isolateDockerConfig(t)
	config := `{"auths":{"fromfile.example.com":` + basicEntry("file") + `,"both.example.com":` + basicEntry("file") + `}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	kc, err := NewKeychain([]byte(`{"auths":{"both.example.com":` + basicEntry("secret") + `}}`))
	if err != nil {
		t.Fatalf("NewKeychain: %v", err)
	}
	if got := resolveUser(t, kc, "fromfile.example.com/app"); got != "file" {
		t.Errorf("user from $DOCKER_CONFIG/config.json = %q, want %q", got, "file")
	}
	if got := resolveUser(t, kc, "both.example.com/app"); got != "secret" {
		t.Errorf("user where both have credentials = %q, want the pull secret's %q", got, "secret")
	}
}

// TestPullSecretOpensAPrivateRegistry talks to a real registry that demands basic auth.
func TestPullSecretOpensAPrivateRegistry(t *testing.T) {
	isolateDockerConfig(t)
	reg := registrytest.Start(t, registrytest.WithBasicAuth("robot", "pw-robot"))
	ctx := context.Background()
	ref, err := name.ParseReference(reg.Host + "/private/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}

	anonymous := RemoteOptions(ctx, nil, nil)
	var terr *transport.Error
	if err := remote.Write(ref, img, anonymous...); !errors.As(err, &terr) || terr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous push error = %v, want HTTP 401", err)
	}

	kc, err := KeychainFromSecrets([]corev1.Secret{pullSecret("robot", corev1.SecretTypeDockerConfigJson,
		map[string]string{corev1.DockerConfigJsonKey: `{"auths":{"` + reg.Host + `":` + basicEntry("robot") + `}}`})})
	if err != nil {
		t.Fatalf("KeychainFromSecrets: %v", err)
	}
	opts := RemoteOptions(ctx, kc, nil)
	if err := remote.Write(ref, img, opts...); err != nil {
		t.Fatalf("push with the pull secret: %v", err)
	}
	got, err := remote.Image(ref, opts...)
	if err != nil {
		t.Fatalf("pull with the pull secret: %v", err)
	}
	want, _ := img.Digest()
	if d, _ := got.Digest(); d != want {
		t.Errorf("pulled digest = %s, want %s", d, want)
	}
}
