package actionregistry

import (
	"errors"
	"strings"
)

// Sentinels for callers that branch with errors.Is.
var (
	// ErrInvalidTrust means the trust material itself is unusable: a key that is not a PEM public
	// key, a trusted root that does not parse, or settings verify.Compile refuses. Retrying
	// cannot help until someone edits the Secret, ConfigMap or trust.yaml.
	ErrInvalidTrust = errors.New("invalid trust material")
	// ErrTrustMaterialNotFound means a Secret, ConfigMap or key that trust.yaml references does
	// not exist (yet). Unlike ErrInvalidTrust it may pass once the object is created.
	ErrTrustMaterialNotFound = errors.New("trust material not found")
)

// Problem is one thing wrong with the registry ConfigMap, at one place. Key is the ConfigMap
// key (registry.yaml, trust.yaml) or empty for the ConfigMap as a whole; Path is a field path
// inside the key's document such as "kubernetes/scale_deployment.image" or
// "keys[0].secretRef.name", empty for the whole document.
type Problem struct {
	Key    string
	Path   string
	Reason string
}

// String formats the problem as "key: path: reason", leaving out what is empty.
func (p Problem) String() string {
	parts := make([]string, 0, 3)
	for _, s := range []string{p.Key, p.Path, p.Reason} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

// ParseError lists every problem found in the registry ConfigMap, so that an operator fixes
// them in one edit rather than one per reconcile.
type ParseError struct {
	Problems []Problem
}

// Error joins the problems with "; " so that the message fits on one line of an event or
// condition.
func (e *ParseError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return ConfigMapName + ": " + strings.Join(lines, "; ")
}

// problems collects Problems for one ConfigMap key.
type problems struct {
	key  string
	list *[]Problem
}

func (p problems) add(path, reason string) {
	*p.list = append(*p.list, Problem{Key: p.key, Path: path, Reason: reason})
}
