package signingtest

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"

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

// WriteTrustedRootFile writes vs's public material as trusted_root.json in a fresh temporary
// directory and returns its path, the form `--trusted-root` flags and policies take.
func WriteTrustedRootFile(t testing.TB, vs *ca.VirtualSigstore) string {
	t.Helper()
	raw, err := TrustedRootJSON(vs)
	if err != nil {
		t.Fatalf("building the trusted root: %v", err)
	}
	path := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
	return path
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
