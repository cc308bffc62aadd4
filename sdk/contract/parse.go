package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	goyaml "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// MaxSize bounds a contract document; larger documents are refused before parsing, so a hostile
// image cannot make the controller spend memory on a giant YAML tree.
const MaxSize = 1 << 20

// Parse decodes one contract document (YAML or JSON) strictly and validates it.
//
// Problems with the document as a whole wrap ErrTooLarge, ErrMultipleDocuments, ErrEmpty or
// ErrMalformed. Problems with fields come back as one *ValidationError listing all of them, each
// with its field path. A wrong apiVersion or kind is reported alone: the fields of some other
// kind of object would only bury it under "unknown field" noise. Likewise unknown fields and
// wrongly typed values are reported before, and instead of, the semantic checks of Validate,
// which would otherwise complain about the same fields a second time.
//
// On success, defaults are applied (a permission without a scope is Namespaced).
func Parse(data []byte) (*ActionContract, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(data), MaxSize)
	}
	if err := checkSingleDocument(data); err != nil {
		return nil, err
	}
	// The strict variant refuses duplicate keys, which plain YAML decoding resolves silently.
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var doc any
	if err := decodeJSON(js, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if errs := checkStructure(doc); len(errs) > 0 {
		return nil, &ValidationError{Errors: errs}
	}
	// Decode the checked and normalized document, not the original JSON.
	if js, err = json.Marshal(doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var c ActionContract
	if err := decodeJSON(js, &c); err != nil {
		// checkStructure has already refused everything the decoder would; this is a safety net.
		return nil, &ValidationError{Errors: []FieldError{decodeFieldError(err)}}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.applyDefaults()
	return &c, nil
}

// decodeJSON decodes exactly one JSON value, keeping numbers as json.Number so that integers
// survive exactly (float64 would round 2^53+1).
func decodeJSON(data []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected data after the JSON value at offset %d", dec.InputOffset())
	}
	return nil
}

// decodeFieldError turns an encoding/json error into a FieldError naming the field.
func decodeFieldError(err error) FieldError {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return FieldError{Path: typeErr.Field, Reason: fmt.Sprintf("must be %s, got %s", typeErr.Type, typeErr.Value)}
	}
	return FieldError{Reason: err.Error()}
}

// applyDefaults fills fields whose absence has a documented meaning, so consumers read the
// meaning rather than re-deriving it.
func (c *ActionContract) applyDefaults() {
	for i := range c.Spec.RBAC.Permissions {
		p := &c.Spec.RBAC.Permissions[i]
		p.Scope = p.EffectiveScope()
	}
}

// EffectiveScope is the permission's scope, Namespaced when none is given.
func (p Permission) EffectiveScope() Scope {
	if p.Scope == "" {
		return ScopeNamespaced
	}
	return p.Scope
}

// checkSingleDocument refuses streams with more than one YAML document and streams with none.
// YAML decoding proper reads only the first document and ignores whatever follows a flow
// collection ("{...} {...}"), so the stream is walked with a decoder, which sees everything.
// Empty documents after the contract ("...\n---\n") are tolerated; one before it is not,
// since the contract would then not be the first document.
func checkSingleDocument(data []byte) error {
	dec := goyaml.NewDecoder(bytes.NewReader(data))
	var docs []bool // whether each document is non-null
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		docs = append(docs, v != nil)
	}
	for len(docs) > 0 && !docs[len(docs)-1] {
		docs = docs[:len(docs)-1]
	}
	switch {
	case len(docs) == 0:
		return fmt.Errorf("%w: no content, only blank lines, comments or null", ErrEmpty)
	case len(docs) > 1:
		return fmt.Errorf("%w: found %d; a contract file is exactly one document", ErrMultipleDocuments, len(docs))
	}
	return nil
}
