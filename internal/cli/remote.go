package cli

import (
	"context"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/registry"
)

// remoteOptions are the registry options of every CLI command: the docker config's credentials
// (including credential helpers), as `docker` and `cosign` use them.
func remoteOptions(ctx context.Context) ([]remote.Option, error) {
	kc, err := registry.NewKeychain()
	if err != nil {
		return nil, err
	}
	return registry.RemoteOptions(ctx, kc, nil), nil
}
