package refs

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// ErrInvalidInputs is wrapped by the errors for inputs that are not one well-formed JSON object.
var ErrInvalidInputs = errors.New("inputs must be a JSON object")

// segment is one step of a path from the document root: an object key or an array index.
type segment struct {
	key     string
	index   int
	isIndex bool
}

func compareSegments(a, b segment) int {
	if a.isIndex && b.isIndex {
		return cmp.Compare(a.index, b.index)
	}
	return cmp.Compare(a.key, b.key)
}

// stringValue is one string value of the document (object keys excluded).
type stringValue struct {
	path       []segment
	pointer    string
	value      string // decoded
	start, end int    // byte span of the JSON string token in the input, quotes included
}

// frame is one open object or array while scanning.
type frame struct {
	path      []segment
	pointer   string
	object    bool
	expectKey bool
	key       string
	index     int
	keys      map[string]bool
}

// scanStringValues returns every string value of inputs in the order they appear. Empty inputs
// and null stand for the empty object and give no values. The decoder streams tokens and
// reports byte offsets, so values keep their exact bytes and nothing is decoded into float64.
func scanStringValues(inputs []byte) ([]stringValue, error) {
	if len(bytes.TrimSpace(inputs)) == 0 {
		return nil, nil
	}
	var raw json.RawMessage
	if err := json.Unmarshal(inputs, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidInputs, err)
	}
	dec := json.NewDecoder(bytes.NewReader(inputs))
	dec.UseNumber()
	first, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidInputs, err)
	}
	switch first {
	case nil:
		return nil, nil
	case json.Delim('{'):
	default:
		return nil, fmt.Errorf("%w, got %s", ErrInvalidInputs, describe(first))
	}
	s := scanner{dec: dec, input: inputs, frames: []frame{{object: true, expectKey: true, keys: map[string]bool{}}}}
	for len(s.frames) > 0 {
		if err := s.next(); err != nil {
			return nil, err
		}
	}
	return s.values, nil
}

type scanner struct {
	dec    *json.Decoder
	input  []byte
	frames []frame
	values []stringValue
}

// next consumes one token of the already validated document.
func (s *scanner) next() error {
	before := int(s.dec.InputOffset())
	tok, err := s.dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidInputs, err)
	}
	top := &s.frames[len(s.frames)-1]
	if tok == json.Delim('}') || tok == json.Delim(']') {
		s.frames = s.frames[:len(s.frames)-1]
		return nil
	}
	var seg segment
	if top.object {
		if top.expectKey {
			key, _ := tok.(string)
			if top.keys[key] {
				return fmt.Errorf("%w: duplicate key %q in %s", ErrInvalidInputs, key, objectAt(top.pointer))
			}
			top.keys[key], top.key, top.expectKey = true, key, false
			return nil
		}
		seg, top.expectKey = segment{key: top.key}, true
	} else {
		seg = segment{index: top.index, isIndex: true}
		top.index++
	}
	path := append(slices.Clip(top.path), seg)
	pointer := appendPointerToken(top.pointer, segmentToken(seg))
	switch t := tok.(type) {
	case json.Delim:
		s.frames = append(s.frames, frame{path: path, pointer: pointer, object: t == '{', expectKey: t == '{', keys: map[string]bool{}})
	case string:
		// Between the previous token and this string there are only blanks, ',' and ':'.
		start := before + bytes.IndexByte(s.input[before:], '"')
		s.values = append(s.values, stringValue{path: path, pointer: pointer, value: t, start: start, end: int(s.dec.InputOffset())})
	}
	return nil
}

func segmentToken(seg segment) string {
	if seg.isIndex {
		return fmt.Sprint(seg.index)
	}
	return seg.key
}

// objectAt names an object by its pointer; the root's pointer is the empty string.
func objectAt(pointer string) string {
	if pointer == "" {
		return "the top-level object"
	}
	return "the object at " + pointer
}

func describe(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%v", tok)
}

// sortByKeys orders values depth-first with object members in key order and array elements in
// index order, so Find's result does not depend on how the document was serialized.
func sortByKeys(values []stringValue) []stringValue {
	sorted := slices.Clone(values)
	slices.SortStableFunc(sorted, func(a, b stringValue) int {
		return slices.CompareFunc(a.path, b.path, compareSegments)
	})
	return sorted
}
