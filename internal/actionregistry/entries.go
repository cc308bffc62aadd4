package actionregistry

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubernaut/kubernaut/sdk/contract"
)

// entryDocument is one entry of registry.yaml as written: exactly the seed's fields plus the
// optional pre-created ServiceAccount.
type entryDocument struct {
	Image              string `json:"image"`
	Contract           string `json:"contract,omitempty"`
	Verification       Mode   `json:"verification,omitempty"`
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
}

var (
	// actionTypePattern is the ActionExecution CRD's pattern for spec.actionType, so that every
	// registry key can be named by an ActionExecution and every actionType can be looked up.
	actionTypePattern = regexp.MustCompile(`^[a-z0-9-]+/[a-z0-9_-]+$`)
	// digestPattern is the CRD's pattern for spec.image: a repository pinned by a lower-case
	// SHA-256 digest. The controller compares spec.image with the entry's image as strings, so
	// both sides must be spelt the same canonical way.
	digestPattern = regexp.MustCompile(`^[^@\s]+@sha256:[a-f0-9]{64}$`)
)

// Bounds of an action type, as in the CRD.
const (
	minActionTypeLength = 3
	maxActionTypeLength = 127
)

// parseEntries parses registry.yaml. An empty document is an empty registry.
func parseEntries(raw string, p problems) map[string]Entry {
	doc, err := decodeYAML([]byte(raw))
	if err != nil {
		p.add("", err.Error())
		return nil
	}
	if doc == nil {
		return map[string]Entry{}
	}
	top, ok := doc.(map[string]any)
	if !ok {
		p.add("", "must map action types to entries ("+
			"kubernetes/scale_deployment: {image: ..., verification: strict}), got "+describe(doc))
		return nil
	}
	entries := make(map[string]Entry, len(top))
	for _, actionType := range sortedKeys(top) {
		checkActionType(actionType, p)
		var d entryDocument
		if !decodeInto(top[actionType], &d, actionType, p) {
			continue
		}
		if e, ok := newEntry(actionType, d, p); ok {
			entries[actionType] = e
		}
	}
	return entries
}

func checkActionType(actionType string, p problems) {
	if n := len(actionType); n < minActionTypeLength || n > maxActionTypeLength {
		p.add(actionType, fmt.Sprintf("action type must be %d to %d characters long, got %d",
			minActionTypeLength, maxActionTypeLength, n))
	}
	if !actionTypePattern.MatchString(actionType) {
		p.add(actionType, "action type must be <group>/<name>: lower-case letters, digits and '-' "+
			"in the group, and also '_' in the name (pattern "+actionTypePattern.String()+")")
	}
}

// newEntry validates one decoded entry and applies its defaults.
func newEntry(actionType string, d entryDocument, p problems) (Entry, bool) {
	before := len(*p.list)
	e := Entry{
		ActionType:         actionType,
		Image:              d.Image,
		ContractPath:       d.Contract,
		Verification:       d.Verification,
		ServiceAccountName: d.ServiceAccountName,
	}
	if e.ContractPath == "" {
		e.ContractPath = contract.DefaultPath
	}
	if e.Verification == "" {
		e.Verification = ModeStrict
	}
	switch e.Verification {
	case ModeStrict, ModeWarn, ModeDisabled:
	default:
		p.add(fieldPath(actionType, "verification"), fmt.Sprintf("%q is not one of strict, warn, disabled", d.Verification))
	}
	checkImage(e, p)
	if !path.IsAbs(e.ContractPath) || path.Clean(e.ContractPath) != e.ContractPath {
		p.add(fieldPath(actionType, "contract"), fmt.Sprintf("%q must be an absolute, clean path inside the image "+
			"such as %s", d.Contract, contract.DefaultPath))
	}
	if e.ServiceAccountName != "" {
		for _, msg := range validation.IsDNS1123Subdomain(e.ServiceAccountName) {
			p.add(fieldPath(actionType, "serviceAccountName"), fmt.Sprintf("%q is not a ServiceAccount name: %s",
				e.ServiceAccountName, msg))
		}
	}
	return e, len(*p.list) == before
}

// checkImage demands a digest reference whenever the signature is checked: verification binds
// a digest, and a tag could move to another image between verification and the pod's pull.
// Nothing is ever resolved to a digest behind the operator's back.
func checkImage(e Entry, p problems) {
	at := fieldPath(e.ActionType, "image")
	switch {
	case e.Image == "":
		p.add(at, "required: the image that implements the action, pinned as <repository>@sha256:<64 hex digits>")
	case e.Verification.Verifies() && !digestPattern.MatchString(e.Image):
		p.add(at, fmt.Sprintf("%q is not pinned by digest; verification %s needs <repository>@sha256:<64 lower-case hex digits> "+
			"(a tag is never resolved to a digest for you)", e.Image, e.Verification))
	case e.Verification.Verifies():
		if _, err := name.NewDigest(e.Image); err != nil {
			p.add(at, fmt.Sprintf("%q is not a valid image reference: %v", e.Image, err))
		}
	default:
		if strings.TrimSpace(e.Image) != e.Image {
			p.add(at, fmt.Sprintf("%q has surrounding white space", e.Image))
		} else if _, err := name.ParseReference(e.Image); err != nil {
			p.add(at, fmt.Sprintf("%q is not a valid image reference: %v", e.Image, err))
		}
	}
}
