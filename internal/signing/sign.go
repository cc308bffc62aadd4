package signing

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/sigstore/sigstore-go/pkg/sign"
)

// Format selects how a signature is stored in the registry.
type Format string

const (
	// FormatBundle is cosign v3's default: a Sigstore bundle attached as an OCI 1.1 referrer.
	FormatBundle Format = "bundle"
	// FormatLegacy is cosign v2's `sha256-<hex>.sig` tag with a simple-signing layer per signature.
	FormatLegacy Format = "legacy"
)

// ErrImageNotFound means the image to sign does not exist at the given digest.
var ErrImageNotFound = errors.New("image not found")

// Options tune Sign, AttachBundle and AttachLegacy. The zero value signs in FormatBundle with
// go-containerregistry's default transport and anonymous auth.
type Options struct {
	// Format is FormatBundle (the default when empty) or FormatLegacy.
	Format Format
	// Remote are registry options (auth keychain, transport); the context is added by this package.
	Remote []remote.Option
	// Annotations are signed claims, like `cosign sign -a key=value`: they become the subject
	// annotations of the bundle's statement or the `optional` section of the legacy payload.
	Annotations map[string]string
	// CertificateProvider, bundle format only, puts a certificate for the signer's key into the
	// bundle instead of a public-key hint: keyless signing. Production keyless signing is done by
	// CI's cosign; tests use this with sigstore-go's VirtualSigstore.
	CertificateProvider sign.CertificateProvider
	// TransparencyLogs, bundle format only, record the signature in these logs and put the entries
	// into the bundle.
	TransparencyLogs []sign.Transparency
}

// Signature says where a signature was stored.
type Signature struct {
	// Format is the format the signature was written in.
	Format Format
	// Ref is the stored object: REPO@sha256:… of the referrer manifest (bundle) or
	// REPO:sha256-<hex>.sig (legacy).
	Ref string
}

// Sign signs the image ref with signer (an ECDSA P-256 key, see LoadPrivateKey) in opts.Format and
// stores the signature next to the image in the same repository, as `cosign sign --key` does. The
// image must exist (ErrImageNotFound otherwise): a signature for a missing digest would dangle.
func Sign(ctx context.Context, ref name.Digest, signer crypto.Signer, opts Options) (*Signature, error) {
	if _, err := sha256Hex(ref); err != nil {
		return nil, err
	}
	keypair, err := NewKeypair(signer)
	if err != nil {
		return nil, err
	}
	format, err := opts.format()
	if err != nil {
		return nil, err
	}
	subject, err := headImage(ctx, ref, opts)
	if err != nil {
		return nil, err
	}
	switch format {
	case FormatLegacy:
		if opts.CertificateProvider != nil || len(opts.TransparencyLogs) > 0 {
			return nil, errors.New("options CertificateProvider and TransparencyLogs apply to the bundle format only")
		}
		return signLegacy(ctx, ref, signer, opts)
	default:
		return signBundle(ctx, ref, *subject, keypair, opts)
	}
}

// format returns the effective format, rejecting unknown values rather than guessing.
func (o Options) format() (Format, error) {
	switch o.Format {
	case "", FormatBundle:
		return FormatBundle, nil
	case FormatLegacy:
		return FormatLegacy, nil
	default:
		return "", fmt.Errorf("unknown signature format %q (want %q or %q)", o.Format, FormatBundle, FormatLegacy)
	}
}

// remoteOptions returns the caller's registry options plus ctx, without touching the caller's slice.
func (o Options) remoteOptions(ctx context.Context) []remote.Option {
	return slices.Concat(o.Remote, []remote.Option{remote.WithContext(ctx)})
}

// headImage fetches the descriptor of the image to sign; signing an image that is not there would
// leave a dangling signature, so a missing image is an error.
func headImage(ctx context.Context, ref name.Digest, opts Options) (*v1.Descriptor, error) {
	desc, err := remote.Head(ref, opts.remoteOptions(ctx)...)
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: %s", ErrImageNotFound, ref)
	}
	if err != nil {
		return nil, fmt.Errorf("looking up image %s: %w", ref, err)
	}
	return desc, nil
}

// isNotFound reports whether a registry call failed because the manifest does not exist.
func isNotFound(err error) bool {
	var terr *transport.Error
	return errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound
}
