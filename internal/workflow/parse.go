// Package workflow parses and validates WorkflowExecutions the same way for the controller and
// for `kubernaut validate`, so that a workflow that passes offline is never refused for its
// shape once applied.
//
// Parse turns one YAML or JSON document into a WorkflowExecution, strictly: unknown fields,
// wrongly typed values and duplicate keys are errors with their field path. Validate checks a
// spec: the step graph (duplicate names, unknown runAfter entries, cycles with their path),
// output references ($(steps.<name>.outputs.<key>) must name an upstream step), and the limits
// the CustomResourceDefinition enforces on the API server, for files checked offline.
package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"

	goyaml "go.yaml.in/yaml/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// MaxDocumentSize bounds a workflow document: etcd's default request limit (1.5 MiB), beyond
// which the API server could not store the object anyway. Larger input is refused unparsed.
const MaxDocumentSize = 3 << 19

// APIVersion is the apiVersion a WorkflowExecution document must carry.
var APIVersion = workflowv1alpha1.GroupVersion.String()

// Document-level failures; Parse wraps them with the detail, callers branch with errors.Is.
// Field-level problems come back as a *ParseError instead.
var (
	// ErrTooLarge means the document exceeds MaxDocumentSize.
	ErrTooLarge = errors.New("workflow document too large")
	// ErrMalformed means the input is not well-formed YAML or JSON, or repeats a key.
	ErrMalformed = errors.New("workflow document is not well-formed YAML")
	// ErrEmpty means the input holds no document: nothing, only comments, or null.
	ErrEmpty = errors.New("workflow document is empty")
	// ErrNotAMapping means the document is a list or a scalar, not an object.
	ErrNotAMapping = errors.New("workflow document is not a mapping")
	// ErrMultipleDocuments means the input holds several YAML documents; validating only the
	// first would pass the others unseen.
	ErrMultipleDocuments = errors.New("input holds more than one YAML document")
)

// ParseError lists every field-level problem of a document, each at its field path
// ("spec.steps[2].imgae"), so an author fixes them in one pass.
type ParseError struct {
	Errors field.ErrorList
}

// Error prints one problem per line.
func (e *ParseError) Error() string { return joinErrors(e.Errors) }

// formatHints explain the expected form of values whose UnmarshalJSON error alone is cryptic.
var formatHints = map[reflect.Type]string{
	reflect.TypeFor[metav1.Duration]():   "must be a duration such as 90s, 5m or 1h30m",
	reflect.TypeFor[resource.Quantity](): "must be a quantity such as 1Gi or 500Mi",
}

// Parse decodes one WorkflowExecution document, YAML or JSON. apiVersion and kind are required
// (the seed's examples sometimes omit them, but a file without them cannot be applied, and it
// may as well be some other kind of object); a wrong or missing apiVersion or kind is reported
// alone, since the fields of another kind would only add "unknown field" noise. metadata is
// optional, for files checked before a name is chosen. The result is not validated: call
// Validate on its spec.
func Parse(data []byte) (*workflowv1alpha1.WorkflowExecution, error) {
	doc, err := decodeDocument(data)
	if err != nil {
		return nil, err
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: a WorkflowExecution is a mapping with apiVersion, kind and spec, got %s", ErrNotAMapping, describe(doc))
	}
	if errs := checkTypeMeta(obj); len(errs) > 0 {
		return nil, &ParseError{Errors: errs}
	}
	var errs field.ErrorList
	checkShape(obj, reflect.TypeFor[workflowv1alpha1.WorkflowExecution](), nil, &errs)
	if _, hasSpec := obj["spec"]; !hasSpec {
		errs = append(errs, field.Required(field.NewPath("spec"), "a WorkflowExecution needs a spec with its steps"))
	}
	if len(errs) > 0 {
		return nil, &ParseError{Errors: errs}
	}
	return decodeChecked(obj)
}

// decodeDocument checks the input's size and document count and decodes it into generic JSON
// values (numbers as json.Number).
func decodeDocument(data []byte) (any, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(data), MaxDocumentSize)
	}
	if err := checkSingleDocument(data); err != nil {
		return nil, err
	}
	// The strict variant refuses duplicate keys, which plain YAML decoding resolves silently.
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, strings.Join(strings.Fields(err.Error()), " "))
	}
	doc, err := decodeGeneric(js)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return doc, nil
}

// checkTypeMeta requires this package's apiVersion and kind.
func checkTypeMeta(obj map[string]any) field.ErrorList {
	var errs field.ErrorList
	for _, want := range []struct{ key, value string }{
		{"apiVersion", APIVersion},
		{"kind", workflowv1alpha1.WorkflowExecutionKind},
	} {
		path := field.NewPath(want.key)
		got, present := obj[want.key]
		switch {
		case !present:
			errs = append(errs, field.Required(path, fmt.Sprintf("add `%s: %s` at the top of the document", want.key, want.value)))
		case got != want.value:
			errs = append(errs, field.NotSupported(path, got, []string{want.value}))
		}
	}
	return errs
}

// decodeChecked decodes the checked document into the typed object with the API server's
// decoder (case-sensitive, strict). After checkShape it can only fail on a gap in checkShape,
// which is then reported as such rather than ignored.
func decodeChecked(obj map[string]any) (*workflowv1alpha1.WorkflowExecution, error) {
	js, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("re-encoding the checked document: %w", err)
	}
	var wfe workflowv1alpha1.WorkflowExecution
	strictErrs, err := kjson.UnmarshalStrict(js, &wfe)
	if err = errors.Join(append(strictErrs, err)...); err != nil {
		return nil, fmt.Errorf("decoding a document that passed the shape check (please report this): %w", err)
	}
	return &wfe, nil
}

// checkSingleDocument refuses input with more than one YAML document, and input with none. YAML
// decoding proper reads only the first document, so the stream is walked with a decoder, which
// sees everything. Empty documents around the workflow ("---" separators) are tolerated.
func checkSingleDocument(data []byte) error {
	dec := goyaml.NewDecoder(bytes.NewReader(data))
	documents := 0
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %s", ErrMalformed, strings.Join(strings.Fields(err.Error()), " "))
		}
		if v != nil {
			documents++
		}
	}
	switch {
	case documents == 0:
		return fmt.Errorf("%w: no content, only blank lines, comments or null", ErrEmpty)
	case documents > 1:
		return fmt.Errorf("%w: found %d; validate one WorkflowExecution per file", ErrMultipleDocuments, documents)
	}
	return nil
}

func joinErrors(errs field.ErrorList) string {
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
