// Package verify checks that a container image is signed the way the real cosign CLI (v2 and v3)
// signs images, before anything in the cluster runs it.
//
// A Verifier is built once (registry options, cache) and every call takes a compiled, immutable
// Policy: trusted keys (several, for rotation), keyless identities with the trusted root they chain
// to, and a transparency-log policy. Verify returns a Result describing what was verified (digest,
// format, key id or certificate identity, log index), never a bare bool.
//
// Two storage formats are understood, in the order cosign v3 itself looks for them:
//
//  1. Sigstore bundles (v0.1 to v0.3) attached to the image digest as OCI 1.1 referrers, either
//     through the registry's Referrers API or the referrers tag schema fallback
//     (specs/BUNDLE_SPEC.md in sigstore/cosign). The bundle must hold a DSSE envelope with an
//     in-toto statement of predicate type https://sigstore.dev/cosign/sign/v1 whose subject is the
//     image digest: that is what `cosign sign` writes since v3.
//  2. The legacy `sha256-<hex>.sig` tag (specs/SIGNATURE_SPEC.md): one simple-signing payload per
//     layer, the signature, certificate, chain and Rekor bundle (SET) in layer annotations. The
//     payload's critical.image.docker-manifest-digest must equal the image digest.
//
// Cryptography, certificate path validation, transparency-log and timestamp checks are done by
// sigstore-go (pkg/verify). This package adds the OCI discovery, the digest binding, a precise
// error per failure cause and a cache keyed by (repository@digest, policy hash).
//
// Nothing but the registry is ever contacted: the trusted root comes only from the material the
// caller compiled into the Policy, and no TUF, Rekor or Fulcio endpoint is called.
package verify
