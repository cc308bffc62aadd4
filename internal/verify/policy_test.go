package verify_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"

	"github.com/kubernaut/kubernaut/internal/signing/signingtest"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// compileRejection is a policy Compile must refuse, with the words its error must contain.
type compileRejection struct {
	name    string
	opts    verify.PolicyOptions
	wantMsg []string
}

// Fixtures of the Compile table, which holds plain values.
var (
	tableKey      = must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)).Public()
	tableSigstore = must(ca.NewVirtualSigstore())
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

var compileRejections = []compileRejection{
	{
		name:    "a policy without keys and identities trusts nobody",
		opts:    verify.PolicyOptions{TLog: verify.TLogDisabled},
		wantMsg: []string{"trusts nobody", "Keys", "Identities"},
	},
	{
		name:    "identities without a trusted root cannot verify certificates",
		opts:    verify.PolicyOptions{Identities: []verify.Identity{exactIdentity}, TLog: verify.TLogDisabled},
		wantMsg: []string{"TrustedMaterial", "--trusted-root"},
	},
	{
		name:    "a required transparency log needs a trusted root with a Rekor key",
		opts:    verify.PolicyOptions{Keys: []crypto.PublicKey{tableKey}},
		wantMsg: []string{"field TLog", `tlog "required"`, "disabled"},
	},
	{
		name:    "an unknown tlog policy is named",
		opts:    verify.PolicyOptions{Keys: []crypto.PublicKey{tableKey}, TLog: "sometimes"},
		wantMsg: []string{"field TLog", `"sometimes"`},
	},
	{
		name:    "a nil key is named by index",
		opts:    verify.PolicyOptions{Keys: []crypto.PublicKey{tableKey, nil}, TLog: verify.TLogDisabled},
		wantMsg: []string{"Keys[1]", "nil"},
	},
	{
		name:    "an invalid issuer regexp names the field",
		opts:    identityOptions(verify.Identity{IssuerRegexp: "(", Subject: testSubject}),
		wantMsg: []string{"Identities[0].IssuerRegexp", `"("`},
	},
	{
		name:    "an invalid subject regexp names the field",
		opts:    identityOptions(exactIdentity, verify.Identity{Issuer: testIssuer, SubjectRegexp: "[a-"}),
		wantMsg: []string{"Identities[1].SubjectRegexp"},
	},
	{
		name:    "an identity without a subject is incomplete",
		opts:    identityOptions(verify.Identity{Issuer: testIssuer}),
		wantMsg: []string{"Identities[0]", "set Subject or SubjectRegexp"},
	},
	{
		name:    "an identity with both an exact issuer and a regexp is ambiguous",
		opts:    identityOptions(verify.Identity{Issuer: testIssuer, IssuerRegexp: ".*", Subject: testSubject}),
		wantMsg: []string{"Identities[0]", "not both"},
	},
}

func TestCompile_rejectsPoliciesThatCannotWork(t *testing.T) {
	for _, tt := range compileRejections {
		t.Run(tt.name, func(t *testing.T) {
			p, err := verify.Compile(tt.opts)
			if err == nil {
				t.Fatalf("Compile succeeded (%s), want an error", p.Hash())
			}
			for _, m := range tt.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

func identityOptions(ids ...verify.Identity) verify.PolicyOptions {
	return verify.PolicyOptions{Identities: ids, TrustedMaterial: tableSigstore, TLog: verify.TLogDisabled}
}

func TestPolicy_hashIdentifiesTheTrustDecision(t *testing.T) {
	vs := newVirtualSigstore(t)
	rootPath := signingtest.WriteTrustedRootFile(t, vs)
	k1, k2 := newKey(t).Public(), newKey(t).Public()
	other := newKey(t).Public()
	second := verify.Identity{Issuer: testIssuer, SubjectRegexp: "^https://github.com/acme/"}
	base := func() verify.PolicyOptions {
		tr, err := verify.LoadTrustedRoot(rootPath)
		if err != nil {
			t.Fatal(err)
		}
		return verify.PolicyOptions{
			Keys: []crypto.PublicKey{k1, k2}, Identities: []verify.Identity{exactIdentity, second},
			TrustedMaterial: tr, TLog: verify.TLogRequired, InsecureIgnoreSCT: true,
		}
	}
	baseHash := mustCompile(t, base()).Hash()
	tests := []struct {
		name   string
		change func(*verify.PolicyOptions)
		same   bool
	}{
		{name: "the same options loaded again hash the same", change: func(*verify.PolicyOptions) {}, same: true},
		{name: "key and identity order does not matter", same: true, change: func(o *verify.PolicyOptions) {
			o.Keys = []crypto.PublicKey{k2, k1}
			o.Identities = []verify.Identity{second, exactIdentity}
		}},
		{name: "an empty tlog policy is the required one", change: func(o *verify.PolicyOptions) { o.TLog = "" }, same: true},
		{name: "another key changes the hash", change: func(o *verify.PolicyOptions) { o.Keys[1] = other }},
		{name: "another identity changes the hash", change: func(o *verify.PolicyOptions) { o.Identities[1].SubjectRegexp = "^x" }},
		{name: "another trusted root changes the hash", change: func(o *verify.PolicyOptions) { o.TrustedMaterial = newVirtualSigstore(t) }},
		{name: "another tlog policy changes the hash", change: func(o *verify.PolicyOptions) { o.TLog = verify.TLogOptional }},
		{name: "requiring digests changes the hash", change: func(o *verify.PolicyOptions) { o.RequireDigest = true }},
		{name: "requiring SCTs changes the hash", change: func(o *verify.PolicyOptions) { o.InsecureIgnoreSCT = false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := base()
			tt.change(&opts)
			if got := mustCompile(t, opts).Hash(); (got == baseHash) != tt.same {
				t.Errorf("Hash() = %s, base %s: want equal = %v", got, baseHash, tt.same)
			}
		})
	}
}

func TestCompile_copiesItsInputs(t *testing.T) {
	k1, k2 := newKey(t).Public(), newKey(t).Public()
	keys := []crypto.PublicKey{k1}
	p := mustCompile(t, verify.PolicyOptions{Keys: keys, TLog: verify.TLogDisabled})
	hash := p.Hash()

	keys[0] = k2
	p.Keys()[0] = k2

	if diff := cmp.Diff([]string{mustKeyID(t, k1)}, p.KeyIDs()); diff != "" {
		t.Errorf("the policy changed with its caller's slice (-want +got):\n%s", diff)
	}
	if p.Hash() != hash {
		t.Error("the policy hash changed after Compile")
	}
}

func mustKeyID(t *testing.T, pub crypto.PublicKey) string {
	t.Helper()
	return mustCompile(t, verify.PolicyOptions{Keys: []crypto.PublicKey{pub}, TLog: verify.TLogDisabled}).KeyIDs()[0]
}

func TestParseTLogPolicy(t *testing.T) {
	tests := []struct {
		in      string
		want    verify.TLogPolicy
		wantErr bool
	}{
		{in: "required", want: verify.TLogRequired},
		{in: "optional", want: verify.TLogOptional},
		{in: "disabled", want: verify.TLogDisabled},
		{in: "", want: verify.TLogRequired},
		{in: "Required", wantErr: true},
		{in: "off", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("the value %q", tt.in), func(t *testing.T) {
			got, err := verify.ParseTLogPolicy(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseTLogPolicy(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseTLogPolicy(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
