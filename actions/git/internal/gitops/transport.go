package gitops

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Sentinel errors for the server's answers that a workflow author can act on.
var (
	// ErrAuthentication means the server refused the credentials, or asked for some and the
	// Secret is not mounted.
	ErrAuthentication = errors.New("the git server refused the credentials")
	// ErrRemoteRepositoryNotFound means the server has no such repository (or hides it).
	ErrRemoteRepositoryNotFound = errors.New("the git server has no such repository")
)

// explainTransportError turns go-git's terse transport errors into ones that say what to fix.
func explainTransportError(err error) error {
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed):
		return fmt.Errorf("%w (%v); check the username and password or token in the Secret mounted at %s, or %s for local runs",
			ErrAuthentication, err, DefaultCredentialsDir, EnvCredentialsDir)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fmt.Errorf("%w: %v", ErrRemoteRepositoryNotFound, err)
	case errors.Is(err, git.NoMatchingRefSpecError{}):
		return fmt.Errorf("the branch does not exist on the server: %w", err)
	}
	return err
}
