package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore-go/pkg/bundle"
)

const (
	// bundleMediaTypePrefix starts the media type of every Sigstore bundle version
	// ("application/vnd.dev.sigstore.bundle.v0.3+json", "…bundle+json;version=0.2").
	bundleMediaTypePrefix = "application/vnd.dev.sigstore.bundle"
	// simpleSigningMediaType is the layer media type of a legacy cosign signature payload.
	simpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	// predicateTypeAnnotation is the optional referrer annotation naming a bundle's predicate
	// (cosign specs/BUNDLE_SPEC.md "Annotations").
	predicateTypeAnnotation = "dev.sigstore.bundle.predicateType"

	// Legacy layer annotations (cosign specs/SIGNATURE_SPEC.md).
	sigAnnotation    = "dev.cosignproject.cosign/signature"
	certAnnotation   = "dev.sigstore.cosign/certificate"
	chainAnnotation  = "dev.sigstore.cosign/chain"
	bundleAnnotation = "dev.sigstore.cosign/bundle"

	// Bounds on what an image's signatures may cost us. A bundle is a few KiB; the limits only
	// stop a hostile registry from making verification arbitrarily expensive.
	maxSignatureBlobBytes = 1 << 20
	maxReferrers          = 256
	// maxLegacySignatures is cosign's own limit (pkg/oci/remote maxLayers): it refuses a .sig
	// image with more layers, and so do we.
	maxLegacySignatures = 1000
)

// registryClient reads one image's signatures. All calls share one ggcr Puller, so the registry
// is pinged and authenticated once per verification, not once per request.
type registryClient struct {
	opts []remote.Option
}

func newRegistryClient(ctx context.Context, base []remote.Option) (*registryClient, error) {
	opts := append(slices.Clone(base), remote.WithContext(ctx))
	puller, err := remote.NewPuller(opts...)
	if err != nil {
		return nil, fmt.Errorf("configuring registry client: %w", err)
	}
	return &registryClient{opts: append(opts, remote.Reuse(puller))}, nil
}

// resolveTag returns the digest a tag points to now.
func (c *registryClient) resolveTag(tag name.Tag) (name.Digest, error) {
	desc, err := remote.Head(tag, c.opts...)
	if err != nil {
		return name.Digest{}, registryErr("resolving the tag", err)
	}
	return tag.Context().Digest(desc.Digest.String()), nil
}

// fetchedBundle is a Sigstore bundle found among the referrers of an image.
type fetchedBundle struct {
	source string // "referrer sha256:…", for messages
	bundle *bundle.Bundle
}

// referrers lists the manifests attached to digest that may hold Sigstore bundles. Referrers are
// not filtered by artifactType: registries disagree on it (go-containerregistry's reports the
// config media type), so each referrer manifest's layers are inspected later, as cosign does.
func (c *registryClient) referrers(digest name.Digest, fs *failures) ([]name.Digest, error) {
	idx, err := remote.Referrers(digest, c.opts...)
	if err != nil {
		return nil, registryErr("listing referrers", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, registryErr("reading the referrers index", err)
	}
	var out []name.Digest
	for _, desc := range firstN(im.Manifests, maxReferrers) {
		if desc.MediaType != types.OCIManifestSchema1 {
			continue
		}
		// The annotation is an unauthenticated hint; trusting it can only make us skip a
		// referrer, never accept one.
		if pt, ok := desc.Annotations[predicateTypeAnnotation]; ok && pt != signPredicateType {
			fs.ignored = append(fs.ignored, pt)
			continue
		}
		out = append(out, digest.Context().Digest(desc.Digest.String()))
	}
	return out, nil
}

// referrerBundles fetches the Sigstore bundles of one referrer manifest. Unreadable bundles become
// failures; registry errors are returned.
func (c *registryClient) referrerBundles(ref name.Digest, fs *failures) ([]fetchedBundle, error) {
	img, err := remote.Image(ref, c.opts...)
	if err != nil {
		return nil, registryErr("fetching referrer "+ref.DigestStr(), err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, registryErr("reading referrer manifest "+ref.DigestStr(), err)
	}
	var out []fetchedBundle
	for _, layer := range m.Layers {
		if !strings.HasPrefix(string(layer.MediaType), bundleMediaTypePrefix) {
			continue
		}
		source := "referrer " + ref.DigestStr()
		raw, err := readBlob(img, layer)
		if errors.Is(err, errBlobTooLarge) {
			fs.add(fail(rankUnusable, ErrInvalidSignature, "%s: %v", source, err))
			continue
		}
		if err != nil {
			return nil, registryErr("fetching bundle of "+source, err)
		}
		b := &bundle.Bundle{}
		if err := b.UnmarshalJSON(raw); err != nil {
			fs.add(fail(rankUnusable, ErrInvalidSignature, "%s: unreadable Sigstore bundle: %v", source, err))
			continue
		}
		// cosign (pkg/oci/remote Bundle) refuses v0.1 bundles attached to images.
		if !b.MinVersion("v0.2") {
			fs.add(fail(rankUnusable, ErrInvalidSignature, "%s: Sigstore bundle %s is older than v0.2", source, b.GetMediaType()))
			continue
		}
		out = append(out, fetchedBundle{source: source, bundle: b})
	}
	return out, nil
}

// legacySignature is one layer of a cosign .sig image.
type legacySignature struct {
	source      string
	payload     []byte
	annotations map[string]string
}

// legacySignatures returns the simple-signing layers stored under the sha256-<hex>.sig tag.
// A missing tag means no legacy signatures, not an error.
func (c *registryClient) legacySignatures(digest name.Digest, fs *failures) ([]legacySignature, error) {
	tag := digest.Context().Tag(strings.Replace(digest.DigestStr(), ":", "-", 1) + ".sig")
	img, err := remote.Image(tag, c.opts...)
	var terr *transport.Error
	if errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, registryErr("fetching signature tag "+tag.TagStr(), err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, registryErr("reading signature manifest "+tag.TagStr(), err)
	}
	if len(m.Layers) > maxLegacySignatures {
		fs.add(fail(rankUnusable, ErrInvalidSignature, "%s has %d layers, more than the %d signatures cosign accepts",
			tag.TagStr(), len(m.Layers), maxLegacySignatures))
		return nil, nil
	}
	// cosign appends one layer per signature; layers of the same image usually share one payload
	// blob, so each blob is fetched once.
	payloads := map[v1.Hash][]byte{}
	var out []legacySignature
	for i, layer := range m.Layers {
		if layer.MediaType != simpleSigningMediaType {
			continue
		}
		p, ok := payloads[layer.Digest]
		if !ok {
			if p, err = readBlob(img, layer); err != nil && !errors.Is(err, errBlobTooLarge) {
				return out, registryErr(fmt.Sprintf("fetching payload of %s layer %d", tag.TagStr(), i), err)
			}
			payloads[layer.Digest] = p
		}
		out = append(out, legacySignature{
			source:      fmt.Sprintf("%s layer %d", tag.TagStr(), i),
			payload:     p,
			annotations: layer.Annotations,
		})
	}
	return out, nil
}

var errBlobTooLarge = fmt.Errorf("signature blob exceeds %d bytes", maxSignatureBlobBytes)

// readBlob reads a layer blob, refusing blobs larger than maxSignatureBlobBytes. ggcr checks the
// blob against its digest while reading.
func readBlob(img v1.Image, desc v1.Descriptor) ([]byte, error) {
	if desc.Size > maxSignatureBlobBytes {
		return nil, errBlobTooLarge
	}
	layer, err := img.LayerByDigest(desc.Digest)
	if err != nil {
		return nil, err
	}
	rc, err := layer.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxSignatureBlobBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSignatureBlobBytes {
		return nil, errBlobTooLarge
	}
	return b, nil
}

func firstN[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}
