package contract

import (
	"fmt"
	"path"
)

// CredentialsDir is where an action finds its credentials: each one is a directory
// CredentialsDir/<name>/ holding one file per key of the Secret the caller bound to it. Files
// are the only way in: credentials never travel in inputs, environment variables or logs.
const CredentialsDir = "/var/run/secrets/kubernaut"

// MaxCredentials is the most credentials a contract may declare; it matches the limit of
// spec.credentials on ActionExecution and WorkflowExecution steps, so that every declared
// credential can be bound.
const MaxCredentials = 8

// Credential is a Secret the action reads, declared so that callers know what to bind and so
// that the controller can refuse a run that binds an unknown one or misses a required one.
type Credential struct {
	// Name is a DNS-1123 label, unique among the credentials. It is the key callers bind a
	// Secret to (spec.credentials.<name>) and the directory the action reads (CredentialPath).
	Name string `json:"name"`
	// Description is for people: what the Secret must hold (keys and their meaning).
	Description string `json:"description,omitempty"`
	// Required credentials must be bound; an optional one may be left out, and the action then
	// finds no directory for it.
	Required bool `json:"required,omitempty"`
}

// CredentialPath is the directory of credential name: CredentialsDir/<name>.
func CredentialPath(name string) string { return path.Join(CredentialsDir, name) }

// Credential returns the credential declared under name, or nil.
func (c *ActionContract) Credential(name string) *Credential {
	for i := range c.Spec.Credentials {
		if c.Spec.Credentials[i].Name == name {
			return &c.Spec.Credentials[i]
		}
	}
	return nil
}

// CheckCredentials checks the credentials a caller binds (credential name → Secret name)
// against the contract: every bound name must be declared, every required one bound, and
// every Secret name non-empty. It returns nil or a *ValidationError whose paths are
// "spec.credentials.<name>", the caller's field: first the bound names in sorted order, then
// the missing required ones in the contract's order.
func (c *ActionContract) CheckCredentials(bound map[string]string) error {
	var errs fieldErrors
	for _, name := range sortedKeys(bound) {
		at := "spec.credentials." + name
		switch {
		case c.Credential(name) == nil:
			errs.add(at, fmt.Sprintf("contract %s %s declares no credential %q%s",
				c.Metadata.Name, c.Metadata.Version, name, declaredCredentials(c)))
		case bound[name] == "":
			errs.add(at, "must name a Secret")
		}
	}
	for _, cred := range c.Spec.Credentials {
		if _, ok := bound[cred.Name]; cred.Required && !ok {
			errs.add("spec.credentials."+cred.Name, fmt.Sprintf("required by contract %s %s: bind it to a Secret%s",
				c.Metadata.Name, c.Metadata.Version, describedAs(cred)))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: errs}
}

// declaredCredentials lists the declared names for a refusal of an undeclared one.
func declaredCredentials(c *ActionContract) string {
	if len(c.Spec.Credentials) == 0 {
		return "; it declares none"
	}
	out := "; it declares"
	for i, cred := range c.Spec.Credentials {
		if i > 0 {
			out += ","
		}
		out += " " + cred.Name
	}
	return out
}

// describedAs quotes the credential's description, which says what the Secret must hold.
func describedAs(cred Credential) string {
	if cred.Description == "" {
		return ""
	}
	return fmt.Sprintf(" (%s)", cred.Description)
}

// validateCredentials checks names (DNS-1123 labels: they become directory names and keys of
// spec.credentials), uniqueness and the count.
func validateCredentials(creds []Credential, errs *fieldErrors) {
	if len(creds) > MaxCredentials {
		errs.add("spec.credentials", fmt.Sprintf("must declare at most %d credentials, got %d", MaxCredentials, len(creds)))
	}
	firstUse := map[string]int{}
	for i, cred := range creds {
		at := indexPath("spec.credentials", i) + ".name"
		switch {
		case cred.Name == "":
			errs.add(at, "required")
			continue
		case len(cred.Name) > maxNameLength:
			errs.add(at, fmt.Sprintf("must be at most %d characters, got %d", maxNameLength, len(cred.Name)))
		case !dns1123Label.MatchString(cred.Name):
			errs.add(at, fmt.Sprintf("%q must be lower-case letters, digits and '-', starting and ending with a letter or digit (a DNS-1123 label)", cred.Name))
		}
		if first, dup := firstUse[cred.Name]; dup {
			errs.add(at, fmt.Sprintf("duplicate name %q, already declared at %s", cred.Name, indexPath("spec.credentials", first)))
		} else {
			firstUse[cred.Name] = i
		}
	}
}

// compareCredentials reports credential changes. A removed credential is breaking: workflows
// that bind it are refused. A new or newly required one is breaking when required: workflows
// that do not bind it are refused.
func compareCredentials(oldCreds, newCreds []Credential, l *changes) {
	find := func(list []Credential, name string) *Credential {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
		return nil
	}
	for _, o := range oldCreds {
		at := namedPath("spec.credentials", o.Name)
		n := find(newCreds, o.Name)
		switch {
		case n == nil:
			l.add(ChangeCredentialRemoved, true, at, "credential %q was removed; workflows that bind it are now refused", o.Name)
		case !o.Required && n.Required:
			l.add(ChangeCredentialRequired, true, at+".required", "credential %q is now required; workflows that do not bind it are refused", o.Name)
		case o.Required && !n.Required:
			l.add(ChangeCredentialOptional, false, at+".required", "credential %q is now optional", o.Name)
		}
		if n != nil && n.Description != o.Description {
			l.add(ChangeDescriptionChanged, false, at+".description", "description changed")
		}
	}
	for _, n := range newCreds {
		if find(oldCreds, n.Name) != nil {
			continue
		}
		at := namedPath("spec.credentials", n.Name)
		if n.Required {
			l.add(ChangeCredentialAdded, true, at, "new required credential %q; existing workflows do not bind it", n.Name)
		} else {
			l.add(ChangeCredentialAdded, false, at, "new optional credential %q", n.Name)
		}
	}
}
