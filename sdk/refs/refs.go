// Package refs finds and resolves references to earlier steps' outputs in a step's inputs:
// `$(steps.<name>.outputs.<key>)` inside any string value of the inputs JSON object.
//
// The package is pure and works on raw JSON bytes. Everything that is not a string holding a
// reference is copied byte for byte, so numbers of any size, escapes, unicode and key order
// reach the action exactly as the user wrote them.
//
// Object keys are never searched: a key is a name the action's contract defines, not data, and
// substituting into it would let one step's output choose which input another step receives.
// Substituted values are not searched again either, so an output can never inject a reference.
// There is no escape syntax: text starting with "$(steps." must be a valid reference.
//
// The package lives in the SDK because both engines resolve with this same code: the Job
// engine's controller before it creates a step's Job, and the action runtime (sdk/action,
// ACTION_UPSTREAM_OUTPUTS) inside the container on the Tekton engine, whose text substitution
// cannot place an arbitrary value inside a JSON string.
package refs

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Ref is one reference found in a step's inputs.
type Ref struct {
	// Step is the name of the step whose output is referenced.
	Step string
	// Key is the name of the output, as declared in that step's contract.
	Key string
	// Pointer is the RFC 6901 JSON pointer of the string value holding the reference, e.g.
	// "/message" or "/items/2".
	Pointer string
}

// prefix marks the start of a reference; text starting with it must match the grammar.
const prefix = "$(steps."

// Name limits: step names are DNS-1123 labels (they end up in object names), output keys are
// the contract's parameter names (identifiers, see sdk/contract), both at most 63 characters.
const maxNameLength = 63

// refPattern is the reference grammar anchored at a prefix occurrence.
var refPattern = regexp.MustCompile(`^\$\(steps\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.outputs\.([A-Za-z_][A-Za-z0-9_]*)\)`)

// reference is one reference inside a string, with its byte span in the decoded string.
type reference struct {
	Ref
	start, end int
}

// scanString returns the references in s, a decoded JSON string at pointer, and one
// *MalformedError for each occurrence of the prefix that does not start a valid reference.
func scanString(s, pointer string) ([]reference, []error) {
	var found []reference
	var errs []error
	for pos := 0; ; {
		i := strings.Index(s[pos:], prefix)
		if i < 0 {
			return found, errs
		}
		start := pos + i
		m := refPattern.FindStringSubmatchIndex(s[start:])
		if m == nil || m[3]-m[2] > maxNameLength || m[5]-m[4] > maxNameLength {
			errs = append(errs, malformed(s[start:], pointer, m))
			pos = start + len(prefix)
			continue
		}
		found = append(found, reference{
			Ref:   Ref{Step: s[start+m[2] : start+m[3]], Key: s[start+m[4] : start+m[5]], Pointer: pointer},
			start: start, end: start + m[1],
		})
		pos = start + m[1]
	}
}

// malformed builds the error for text starting with the prefix; m is the grammar match, if
// the text matched but a name was too long.
func malformed(text, pointer string, m []int) *MalformedError {
	shown, reason := text, "want $(steps.<step>.outputs.<key>) with <step> a DNS-1123 label and <key> an identifier"
	if end := strings.IndexByte(text, ')'); end >= 0 {
		shown = text[:end+1]
	} else {
		reason = "missing the closing ')'"
	}
	if m != nil {
		reason = fmt.Sprintf("step and output names are at most %d characters", maxNameLength)
	}
	const maxShown = 100 // bytes; a reference with two maximal names is 92
	if len(shown) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8.RuneStart(shown[cut]) {
			cut-- // never split a character
		}
		shown = shown[:cut] + "..."
	}
	return &MalformedError{Pointer: pointer, Text: shown, Reason: reason}
}

// appendPointerToken appends one RFC 6901 reference token: "~" becomes "~0" and "/" becomes "~1".
func appendPointerToken(pointer, token string) string {
	if strings.ContainsAny(token, "~/") {
		token = strings.NewReplacer("~", "~0", "/", "~1").Replace(token)
	}
	return pointer + "/" + token
}
