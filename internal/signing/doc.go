// Package signing creates cosign-compatible key pairs and signs container images in the two formats
// cosign writes, so that `cosign verify` accepts our signatures and our verifier accepts cosign's.
//
//   - FormatBundle (cosign v3 default): an in-toto Statement about the image digest, DSSE-signed into
//     a Sigstore bundle v0.3 and attached to the image as an OCI 1.1 referrer manifest. Registries
//     without the Referrers API get the `sha256-<hex>` referrers tag index instead (go-containerregistry
//     maintains it during the push).
//   - FormatLegacy (cosign v2): a simple-signing payload as a layer of the image tagged
//     `sha256-<hex>.sig`, with the base64 signature in a layer annotation. New signatures are
//     appended to the layers already there, as cosign does.
//
// The package is built on sigstore-go and go-containerregistry, not on cosign's library: cosign's
// packages pull in key-management and SCM clients this project never uses. The byte layout below
// (media types, annotations, predicate type, PEM types) is therefore copied from cosign v3.1.3 and
// kept in constants, and the cosign CLI interop tests guard it.
package signing

// Media types, annotations and well-known values written by cosign v3.1.3. Exported so the verifier
// reads exactly what this package writes.
const (
	// BundleMediaType is the media type of a Sigstore bundle v0.3: the artifactType of the referrer
	// manifest and the media type of its single layer.
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// EmptyConfigMediaType is the OCI 1.1 media type of the `{}` config of an artifact manifest.
	EmptyConfigMediaType = "application/vnd.oci.empty.v1+json"
	// SimpleSigningMediaType is the media type of a legacy `.sig` layer (the signed payload).
	SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"

	// CosignSignPredicateType is the in-toto predicateType `cosign sign` uses for image signatures.
	CosignSignPredicateType = "https://sigstore.dev/cosign/sign/v1"
	// InTotoPayloadType is the DSSE payloadType of an in-toto Statement.
	InTotoPayloadType = "application/vnd.in-toto+json"

	// AnnotationCreated is the OCI annotation with the referrer's creation time (RFC 3339, UTC).
	AnnotationCreated = "org.opencontainers.image.created"
	// AnnotationBundleContent says what the bundle carries; cosign writes "dsse-envelope".
	AnnotationBundleContent = "dev.sigstore.bundle.content"
	// AnnotationBundlePredicateType repeats the statement's predicateType on the referrer manifest so
	// clients can filter referrers without downloading bundles.
	AnnotationBundlePredicateType = "dev.sigstore.bundle.predicateType"
	// BundleContentDSSE is the value of AnnotationBundleContent for DSSE bundles.
	BundleContentDSSE = "dsse-envelope"

	// AnnotationSignature holds the base64 signature over a legacy `.sig` layer's payload.
	AnnotationSignature = "dev.cosignproject.cosign/signature"
	// AnnotationCertificate holds the PEM signing certificate of a keyless legacy signature.
	AnnotationCertificate = "dev.sigstore.cosign/certificate"
	// AnnotationChain holds the PEM certificate chain (intermediates, root) of a keyless legacy signature.
	AnnotationChain = "dev.sigstore.cosign/chain"
	// AnnotationRekorBundle holds the Rekor inclusion promise (SET and entry) of a legacy signature.
	AnnotationRekorBundle = "dev.sigstore.cosign/bundle"

	// LegacySignatureTagSuffix ends the tag `sha256-<hex>.sig` that holds legacy signatures.
	LegacySignatureTagSuffix = ".sig"
)

// PEM block types of key files, as cosign reads and writes them.
const (
	// PEMTypeEncryptedSigstore is the type cosign v2+ writes for encrypted private keys.
	PEMTypeEncryptedSigstore = "ENCRYPTED SIGSTORE PRIVATE KEY"
	// PEMTypeEncryptedCosign is the legacy type written by cosign before v2; still readable.
	PEMTypeEncryptedCosign = "ENCRYPTED COSIGN PRIVATE KEY"
	// PEMTypeECPrivateKey is a plain SEC 1 EC private key (`openssl ecparam -genkey`).
	PEMTypeECPrivateKey = "EC PRIVATE KEY"
	// PEMTypePrivateKey is a plain PKCS #8 private key (`openssl genpkey`).
	PEMTypePrivateKey = "PRIVATE KEY"
	// PEMTypePublicKey is a PKIX public key, the format of cosign.pub.
	PEMTypePublicKey = "PUBLIC KEY"
)
