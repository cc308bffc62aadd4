package signingtest

import (
	"encoding/hex"
	"fmt"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
)

// TrustedRootJSON returns vs's public material as a trusted_root.json, the file an air-gapped
// cluster is given. VirtualSigstore reports log IDs as the bytes of their hex string; they are
// decoded here, or log lookups by key id fail after the round trip.
func TrustedRootJSON(vs *ca.VirtualSigstore) ([]byte, error) {
	ctLogs, err := decodeLogIDs(vs.CTLogs())
	if err != nil {
		return nil, err
	}
	rekorLogs, err := decodeLogIDs(vs.RekorLogs())
	if err != nil {
		return nil, err
	}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, vs.FulcioCertificateAuthorities(),
		ctLogs, vs.TimestampingAuthorities(), rekorLogs)
	if err != nil {
		return nil, fmt.Errorf("building the trusted root: %w", err)
	}
	return tr.MarshalJSON()
}

func decodeLogIDs(logs map[string]*root.TransparencyLog) (map[string]*root.TransparencyLog, error) {
	out := make(map[string]*root.TransparencyLog, len(logs))
	for id, l := range logs {
		raw, err := hex.DecodeString(id)
		if err != nil {
			return nil, fmt.Errorf("log id %q is not hex: %w", id, err)
		}
		c := *l
		c.ID = raw
		out[id] = &c
	}
	return out, nil
}
