package gitops

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// applySet sets every dotted path of set in doc, in sorted order so that overlapping paths
// ("a" and "a.b") give the same result on every run.
func applySet(doc any, set map[string]any) (any, error) {
	paths := make([]string, 0, len(set))
	for p := range set {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		segments, err := splitDottedPath(p)
		if err != nil {
			return nil, fmt.Errorf("input \"set\" path %q: %w", p, err)
		}
		if doc, err = setAt(doc, segments, 0, set[p]); err != nil {
			return nil, fmt.Errorf("input \"set\" path %q: %w", p, err)
		}
	}
	return doc, nil
}

// splitDottedPath splits "spec.template.metadata.annotations.kubernaut\.ai/reason" at the
// dots that are not escaped with a backslash.
func splitDottedPath(p string) ([]string, error) {
	var segments []string
	var cur strings.Builder
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\\' && i+1 < len(p) && p[i+1] == '.':
			cur.WriteByte('.')
			i++
		case p[i] == '.':
			segments = append(segments, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(p[i])
		}
	}
	segments = append(segments, cur.String())
	if slices.Contains(segments, "") {
		return nil, fmt.Errorf("an empty segment (write keys with dots as a\\.b)")
	}
	return segments, nil
}

// setAt returns node with the value at segments[i:] set. Missing objects on the way are
// created; a list is indexed by a number and must already have that element.
func setAt(node any, segments []string, i int, value any) (any, error) {
	if i == len(segments) {
		return value, nil
	}
	seg := segments[i]
	where := strings.Join(segments[:i], ".")
	switch n := node.(type) {
	case nil:
		child, err := setAt(nil, segments, i+1, value)
		return map[string]any{seg: child}, err
	case map[string]any:
		child, err := setAt(n[seg], segments, i+1, value)
		n[seg] = child
		return n, err
	case []any:
		idx, err := strconv.Atoi(seg)
		if err != nil || idx < 0 || idx >= len(n) {
			return nil, fmt.Errorf("%q is a list of %d elements; %q is not an index in it", orRoot(where), len(n), seg)
		}
		n[idx], err = setAt(n[idx], segments, i+1, value)
		return n, err
	default:
		return nil, fmt.Errorf("%q is a scalar (%v), so it has no field %q", orRoot(where), n, seg)
	}
}

// orRoot names the document's root in messages.
func orRoot(where string) string {
	if where == "" {
		return "(the document)"
	}
	return where
}
