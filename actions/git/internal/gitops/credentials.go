package gitops

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

const (
	// DefaultCredentialsDir is where the step mounts the git Secret.
	DefaultCredentialsDir = "/var/run/secrets/kubernaut/git"
	// EnvCredentialsDir overrides DefaultCredentialsDir, for tests and local runs.
	EnvCredentialsDir = "KUBERNAUT_GIT_CREDENTIALS_DIR"
	// tokenUsername is the user name sent with a token when the Secret has none. GitHub
	// ignores it for tokens and GitLab accepts any non-empty one; x-access-token is GitHub's
	// documented convention.
	tokenUsername = "x-access-token"
)

// ErrCredentials means the mounted Secret is present but unusable.
var ErrCredentials = errors.New("unusable git credentials")

// Credentials are what the git Secret holds. The Secret's keys are files in the mounted
// directory: "username" (optional with a token), and "password" or "token", and optionally
// "ca.crt", PEM certificates to trust in addition to the system's, for a server with a private CA.
type Credentials struct {
	username, secret string
	// CABundle is the content of ca.crt, or nil.
	CABundle []byte
}

// CredentialsDir is the directory named by EnvCredentialsDir, or DefaultCredentialsDir.
func CredentialsDir() string {
	if d := os.Getenv(EnvCredentialsDir); d != "" {
		return d
	}
	return DefaultCredentialsDir
}

// LoadCredentials reads the Secret mounted at dir. A missing directory, or one holding no
// username, password or token, means anonymous access (a public repository); a username
// without a password or token, or both of them, is ErrCredentials. Errors never contain the
// secret.
func LoadCredentials(dir string) (Credentials, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return Credentials{}, nil
	}
	var c Credentials
	var err error
	if c.CABundle, err = readOptional(dir, "ca.crt"); err != nil {
		return Credentials{}, err
	}
	user, err := readOptional(dir, "username")
	if err != nil {
		return Credentials{}, err
	}
	password, err := readOptional(dir, "password")
	if err != nil {
		return Credentials{}, err
	}
	token, err := readOptional(dir, "token")
	if err != nil {
		return Credentials{}, err
	}
	switch {
	case password != nil && token != nil:
		return Credentials{}, fmt.Errorf("%w: %s holds both password and token; keep one", ErrCredentials, dir)
	case password != nil:
		if len(user) == 0 {
			return Credentials{}, fmt.Errorf("%w: %s holds a password but no username", ErrCredentials, dir)
		}
		c.username, c.secret = trim(user), trim(password)
	case token != nil:
		c.username, c.secret = trim(user), trim(token)
		if c.username == "" {
			c.username = tokenUsername
		}
	case len(user) > 0:
		return Credentials{}, fmt.Errorf("%w: %s holds a username but neither a password nor a token file", ErrCredentials, dir)
	default:
		// Only ca.crt, or nothing: anonymous access to a server with a private CA.
		return c, nil
	}
	if c.secret == "" {
		return Credentials{}, fmt.Errorf("%w: the password or token in %s is empty", ErrCredentials, dir)
	}
	return c, nil
}

// Auth is the go-git authentication for these credentials; nil for anonymous access.
func (c Credentials) Auth() transport.AuthMethod {
	if c.secret == "" {
		return nil
	}
	return &githttp.BasicAuth{Username: c.username, Password: c.secret}
}

// secretValue is the password or token, for API calls that send it in a header.
func (c Credentials) secretValue() string { return c.secret }

// Redact returns err with the secret replaced, as the last line of defence: go-git masks
// the password in BasicAuth.String, but a server may echo what it received.
func (c Credentials) Redact(err error) error {
	if err == nil || c.secret == "" || !strings.Contains(err.Error(), c.secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), c.secret, "[redacted]"))
}

// readOptional reads dir/name; a missing file is nil without an error.
func readOptional(dir, name string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		// The error names the file, never its content.
		return nil, fmt.Errorf("%w: reading %s: %v", ErrCredentials, name, err)
	}
	return data, nil
}

// trim drops the line ending that `kubectl create secret --from-file` often keeps.
func trim(b []byte) string { return strings.TrimRight(string(b), "\r\n") }
