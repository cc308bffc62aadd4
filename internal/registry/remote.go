package registry

import (
	"context"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// UserAgent identifies Kubernaut in registry logs.
const UserAgent = "kubernaut"

// RemoteOptions returns the remote options every registry call of Kubernaut uses: the context,
// the keychain (nil means anonymous, as in go-containerregistry) and the transport (nil means
// remote.DefaultTransport, which has dial and TLS timeouts).
func RemoteOptions(ctx context.Context, keychain authn.Keychain, transport http.RoundTripper) []remote.Option {
	opts := []remote.Option{remote.WithContext(ctx), remote.WithUserAgent(UserAgent)}
	if keychain != nil {
		opts = append(opts, remote.WithAuthFromKeychain(keychain))
	}
	if transport != nil {
		opts = append(opts, remote.WithTransport(transport))
	}
	return opts
}
