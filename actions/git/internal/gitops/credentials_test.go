package gitops

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

func TestLoadCredentials(t *testing.T) {
	tests := []struct {
		name             string
		files            map[string]string
		wantUser, errMsg string
	}{
		{name: "a username and password", files: map[string]string{"username": "bot\n", "password": "pw-secret\n"}, wantUser: "bot"},
		{name: "a token alone uses GitHub's user name convention", files: map[string]string{"token": "tok-secret"}, wantUser: "x-access-token"},
		{name: "a token with a username", files: map[string]string{"username": "oauth2", "token": "tok-secret"}, wantUser: "oauth2"},
		{name: "a password without a username", files: map[string]string{"password": "pw"}, errMsg: "holds a password but no username"},
		{name: "both a password and a token", files: map[string]string{"username": "u", "password": "pw", "token": "tok-secret"}, errMsg: "both password and token"},
		{name: "a username alone", files: map[string]string{"username": "u"}, errMsg: "neither a password nor a token"},
		{name: "an empty token", files: map[string]string{"token": "\n"}, errMsg: "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeCredentials(t, dir, tt.files)

			c, err := LoadCredentials(dir)

			if tt.errMsg != "" {
				if !errors.Is(err, ErrCredentials) || !strings.Contains(err.Error(), tt.errMsg) {
					t.Errorf("error = %v, want ErrCredentials containing %q", err, tt.errMsg)
				}
				return
			}
			auth, ok := c.Auth().(*githttp.BasicAuth)
			if err != nil || !ok || auth.Username != tt.wantUser {
				t.Fatalf("LoadCredentials = %v, %v; want basic auth as %q", c.Auth(), err, tt.wantUser)
			}
			if strings.Contains(auth.String(), auth.Password) {
				t.Errorf("the auth's String shows the secret: %s", auth)
			}
		})
	}
}

func TestNoSecretMeansAnonymousAccess(t *testing.T) {
	c, err := LoadCredentials(filepath.Join(t.TempDir(), "absent"))
	if err != nil || c.Auth() != nil {
		t.Errorf("LoadCredentials(absent) = %v, %v; want anonymous", c.Auth(), err)
	}
	onlyCA := t.TempDir()
	writeCredentials(t, onlyCA, map[string]string{"ca.crt": "PEM"})
	c, err = LoadCredentials(onlyCA)
	if err != nil || c.Auth() != nil || string(c.CABundle) != "PEM" {
		t.Errorf("LoadCredentials(only ca.crt) = %v, %q, %v; want anonymous with the CA", c.Auth(), c.CABundle, err)
	}
}

func TestRedactRemovesTheSecretFromAnError(t *testing.T) {
	dir := t.TempDir()
	writeCredentials(t, dir, map[string]string{"token": testToken})
	c, err := LoadCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Redact(errors.New("server said: bad token " + testToken)).Error()
	if got != "server said: bad token [redacted]" {
		t.Errorf("Redact = %q", got)
	}
}

func TestCredentialsDirFollowsTheEnvironment(t *testing.T) {
	t.Setenv(EnvCredentialsDir, "")
	if got := CredentialsDir(); got != DefaultCredentialsDir {
		t.Errorf("CredentialsDir() = %q, want %q", got, DefaultCredentialsDir)
	}
	t.Setenv(EnvCredentialsDir, "/tmp/creds")
	if got := CredentialsDir(); got != "/tmp/creds" {
		t.Errorf("CredentialsDir() = %q with %s set", got, EnvCredentialsDir)
	}
}
