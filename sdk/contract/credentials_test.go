package contract

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// withGitCredential is validContract with one optional credential, as the git actions declare.
func withGitCredential() *ActionContract {
	c := validContract()
	c.Spec.Credentials = []Credential{{Name: "git", Description: "username and password, or token"}}
	return c
}

func TestParseReadsCredentialsStrictly(t *testing.T) {
	doc := `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata: {name: clone, version: v1.0.0}
spec:
  credentials:
  - name: git
    description: username and password, or token
    required: true
`
	c := mustParse(t, []byte(doc))
	want := []Credential{{Name: "git", Description: "username and password, or token", Required: true}}
	if diff := cmp.Diff(want, c.Spec.Credentials); diff != "" {
		t.Errorf("credentials (-want +got):\n%s", diff)
	}

	_, err := Parse([]byte(strings.Replace(doc, "required: true", "secretName: git-creds", 1)))
	assertFieldErrors(t, err, []wantError{{"spec.credentials[0].secretName", "unknown field"}})
	_, err = Parse([]byte(strings.Replace(doc, "required: true", `required: "yes"`, 1)))
	assertFieldErrors(t, err, []wantError{{"spec.credentials[0].required", "must be a boolean"}})
}

func TestValidateRefusesBadCredentials(t *testing.T) {
	tests := []validateCase{
		{"a credential without a name is refused", func(c *ActionContract) { c.Spec.Credentials[0].Name = "" },
			[]wantError{{"spec.credentials[0].name", "required"}}},
		{"an upper-case credential name is refused", func(c *ActionContract) { c.Spec.Credentials[0].Name = "Git" },
			[]wantError{{"spec.credentials[0].name", "DNS-1123"}}},
		{"a credential name with a slash is refused", func(c *ActionContract) { c.Spec.Credentials[0].Name = "../git" },
			[]wantError{{"spec.credentials[0].name", "DNS-1123"}}},
		{"a 64-character credential name is refused", func(c *ActionContract) { c.Spec.Credentials[0].Name = strings.Repeat("a", 64) },
			[]wantError{{"spec.credentials[0].name", "at most 63"}}},
		{"duplicate credential names are refused", func(c *ActionContract) {
			c.Spec.Credentials = append(c.Spec.Credentials, Credential{Name: "git", Required: true})
		}, []wantError{{"spec.credentials[1].name", "already declared at spec.credentials[0]"}}},
		{"more credentials than can be bound are refused", func(c *ActionContract) {
			for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
				c.Spec.Credentials = append(c.Spec.Credentials, Credential{Name: n})
			}
		}, []wantError{{"spec.credentials", "at most 8"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := withGitCredential()
			tt.mutate(c)
			assertFieldErrors(t, c.Validate(), tt.want)
		})
	}
	if err := withGitCredential().Validate(); err != nil {
		t.Errorf("a contract with a well-named credential must be valid: %v", err)
	}
}

func TestCheckCredentialsNamesTheCallersField(t *testing.T) {
	c := withGitCredential()
	c.Spec.Credentials = append(c.Spec.Credentials, Credential{Name: "registry", Required: true})
	tests := []struct {
		name  string
		bound map[string]string
		want  []wantError
	}{
		{"binding every credential is accepted", map[string]string{"git": "g", "registry": "r"}, nil},
		{"leaving out an optional credential is accepted", map[string]string{"registry": "r"}, nil},
		{"a missing required credential is refused", map[string]string{"git": "g"},
			[]wantError{{"spec.credentials.registry", "required by contract scale v1.0.0"}}},
		{"an undeclared credential is refused with the declared ones", map[string]string{"registry": "r", "gitlab": "x"},
			[]wantError{{"spec.credentials.gitlab", `declares no credential "gitlab"; it declares git, registry`}}},
		{"an empty Secret name is refused", map[string]string{"registry": ""},
			[]wantError{{"spec.credentials.registry", "must name a Secret"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.CheckCredentials(tt.bound)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckCredentials: %v", err)
				}
				return
			}
			assertFieldErrors(t, err, tt.want)
		})
	}
}

func TestCredentialPathIsUnderTheCredentialsDirectory(t *testing.T) {
	if got, want := CredentialPath("git"), "/var/run/secrets/kubernaut/git"; got != want {
		t.Errorf("CredentialPath(git) = %q, want %q", got, want)
	}
}

func TestCompareClassifiesCredentialChanges(t *testing.T) {
	tests := []struct {
		name    string
		version string
		mutate  func(c *ActionContract)
		want    []Change
	}{
		{"a new optional credential is not breaking", "v1.1.0", func(c *ActionContract) {
			c.Spec.Credentials = append(c.Spec.Credentials, Credential{Name: "registry"})
		}, []Change{{Kind: ChangeCredentialAdded, Path: "spec.credentials[name=registry]"}}},
		{"a new required credential is breaking", "v2.0.0", func(c *ActionContract) {
			c.Spec.Credentials = append(c.Spec.Credentials, Credential{Name: "registry", Required: true})
		}, []Change{{Kind: ChangeCredentialAdded, Path: "spec.credentials[name=registry]", Breaking: true}}},
		{"a removed credential is breaking", "v2.0.0", func(c *ActionContract) { c.Spec.Credentials = nil },
			[]Change{{Kind: ChangeCredentialRemoved, Path: "spec.credentials[name=git]", Breaking: true}}},
		{"an optional credential made required is breaking", "v2.0.0", func(c *ActionContract) { c.Spec.Credentials[0].Required = true },
			[]Change{{Kind: ChangeCredentialRequired, Path: "spec.credentials[name=git].required", Breaking: true}}},
		{"a required credential in a minor release is flagged", "v1.1.0", func(c *ActionContract) { c.Spec.Credentials[0].Required = true },
			[]Change{
				{Kind: ChangeCredentialRequired, Path: "spec.credentials[name=git].required", Breaking: true},
				{Kind: ChangeMajorVersionNotBumped, Path: "metadata.version", Breaking: true}}},
		{"a new description is not breaking", "v1.0.1", func(c *ActionContract) { c.Spec.Credentials[0].Description = "a token" },
			[]Change{{Kind: ChangeDescriptionChanged, Path: "spec.credentials[name=git].description"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldC, newC := withGitCredential(), withGitCredential()
			newC.Metadata.Version = tt.version
			tt.mutate(newC)
			got := Compare(oldC, newC)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Change{}, "Message")); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
	relaxed := withGitCredential()
	relaxed.Spec.Credentials[0].Required = true
	optional := withGitCredential()
	optional.Metadata.Version = "v1.0.1"
	got := Compare(relaxed, optional)
	if len(got) != 1 || got[0].Kind != ChangeCredentialOptional || got[0].Breaking {
		t.Errorf("a required credential made optional: got %v, want one non-breaking CredentialOptional", got)
	}
}
