package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"
)

// passwordEnv is the variable cosign reads a key password from; we read the same one so scripts
// written for cosign work unchanged. An empty value is a valid (empty) password.
const passwordEnv = "COSIGN_PASSWORD"

// readPassword returns the key password from $COSIGN_PASSWORD, else asks on the terminal
// (twice when confirm is set). Without either it fails rather than silently using no password.
func readPassword(s streams, confirm bool) ([]byte, error) {
	if pw, ok := os.LookupEnv(passwordEnv); ok {
		return []byte(pw), nil
	}
	f, isFile := s.in.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return nil, fmt.Errorf("no key password: set %s (it may be empty) or run on a terminal", passwordEnv)
	}
	pw, err := prompt(s, f, "Enter password for private key: ")
	if err != nil || !confirm {
		return pw, err
	}
	again, err := prompt(s, f, "Enter password for private key again: ")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(pw, again) {
		return nil, errors.New("passwords do not match")
	}
	return pw, nil
}

func prompt(s streams, f *os.File, text string) ([]byte, error) {
	fmt.Fprint(s.err, text)
	pw, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(s.err)
	if err != nil {
		return nil, fmt.Errorf("reading password: %w", err)
	}
	return pw, nil
}
