package gitops

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"go.yaml.in/yaml/v3"
)

// modifyDocument applies mod to the YAML (or, when isJSON, JSON) document data and returns
// the new content. A modification that leaves the value as it was returns data unchanged, byte
// for byte, so that a no-op never reformats a file.
//
// YAML is edited on go-yaml's node tree: keys keep their order, and comments stay on the nodes
// that keep their value. The value is changed on its JSON form (the form both patch RFCs are
// defined on) and then merged back into the tree; keys a change adds are appended in sorted
// order. JSON files are rewritten with sorted keys and two-space indentation.
func modifyDocument(data []byte, isJSON bool, mod modification) ([]byte, error) {
	root, value, err := parseDocument(data)
	if err != nil {
		return nil, err
	}
	next, err := applyModification(value, mod)
	if err != nil {
		return nil, err
	}
	if reflect.DeepEqual(value, next) {
		return data, nil
	}
	if isJSON {
		out, err := json.MarshalIndent(next, "", "  ")
		return append(out, '\n'), err
	}
	if err := reconcile(root, next); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("encoding the YAML: %w", err)
	}
	return buf.Bytes(), enc.Close()
}

// parseDocument decodes the single YAML (or JSON) document in data into its document node and
// its value in JSON form.
func parseDocument(data []byte) (*yaml.Node, any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, errors.New("the file is empty")
		}
		return nil, nil, fmt.Errorf("not YAML: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, nil, errors.New("the file holds more than one YAML document; split it or modify it with one document per file")
	}
	value, err := nodeValue(&doc)
	return &doc, value, err
}

// applyModification returns the value after mod; value is left as it is.
func applyModification(value any, mod modification) (any, error) {
	if mod.mode == "set" {
		set, err := jsonForm(mod.value)
		if err != nil {
			return nil, err
		}
		// applySet changes maps in place; value must stay as it was for the comparison.
		working, err := jsonForm(value)
		if err != nil {
			return nil, err
		}
		return applySet(working, set.(map[string]any))
	}
	doc, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	patch, err := json.Marshal(mod.value)
	if err != nil {
		return nil, err
	}
	var out []byte
	if mod.mode == "mergePatch" {
		out, err = jsonpatch.MergePatch(doc, patch)
	} else {
		var p jsonpatch.Patch
		if p, err = jsonpatch.DecodePatch(patch); err == nil {
			out, err = p.Apply(doc)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("applying the input %q: %w", mod.mode, err)
	}
	return decodeJSON(out)
}

// reconcile changes the tree under n so that it holds want, keeping every node whose value is
// already right (and with it its position, style and comments).
func reconcile(n *yaml.Node, want any) error {
	switch {
	case n.Kind == yaml.DocumentNode && len(n.Content) == 1:
		return reconcile(n.Content[0], want)
	case n.Kind == yaml.MappingNode && isObject(want):
		return reconcileMapping(n, want.(map[string]any))
	case n.Kind == yaml.SequenceNode && isList(want):
		return reconcileSequence(n, want.([]any))
	}
	if current, err := nodeValue(n); err == nil && reflect.DeepEqual(current, want) {
		return nil
	}
	fresh, err := newNode(want)
	if err != nil {
		return err
	}
	if n.Kind == yaml.ScalarNode && fresh.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" && fresh.ShortTag() == "!!str" && fresh.Style == 0 {
		// A string replacing a string keeps its quoting ("info" becomes "debug", not debug).
		fresh.Style = n.Style
	}
	head, line, foot := n.HeadComment, n.LineComment, n.FootComment
	*n = *fresh
	n.HeadComment, n.LineComment, n.FootComment = head, line, foot
	return nil
}

// reconcileMapping keeps the keys of want in their order, drops the others and appends new ones.
func reconcileMapping(n *yaml.Node, want map[string]any) error {
	kept := make([]*yaml.Node, 0, len(n.Content))
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		v, ok := want[key.Value]
		if !ok || seen[key.Value] {
			continue
		}
		if err := reconcile(val, v); err != nil {
			return err
		}
		seen[key.Value] = true
		kept = append(kept, key, val)
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		keyNode, err := newNode(k)
		if err != nil {
			return err
		}
		valNode, err := newNode(want[k])
		if err != nil {
			return err
		}
		kept = append(kept, keyNode, valNode)
	}
	n.Content = kept
	return nil
}

// reconcileSequence reconciles the common elements, then truncates or appends.
func reconcileSequence(n *yaml.Node, want []any) error {
	if len(n.Content) > len(want) {
		n.Content = n.Content[:len(want)]
	}
	for i, v := range want {
		if i < len(n.Content) {
			if err := reconcile(n.Content[i], v); err != nil {
				return err
			}
			continue
		}
		fresh, err := newNode(v)
		if err != nil {
			return err
		}
		n.Content = append(n.Content, fresh)
	}
	return nil
}

// nodeValue is the JSON form of the node's value.
func nodeValue(n *yaml.Node) (any, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding the YAML: %w", err)
	}
	return jsonForm(v)
}

// newNode encodes a JSON-form value as a fresh node; go-yaml quotes strings that would
// otherwise read as another type ("10", "true").
func newNode(v any) (*yaml.Node, error) {
	n := &yaml.Node{}
	if err := n.Encode(yamlForm(v)); err != nil {
		return nil, err
	}
	return n, nil
}

// jsonForm returns v as encoding/json with UseNumber would decode it, so that values from
// YAML, from inputs and from patches compare equal when they are.
func jsonForm(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("the document cannot be represented as JSON (keys must be strings): %w", err)
	}
	return decodeJSON(data)
}

// decodeJSON decodes data keeping numbers as json.Number.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// yamlForm turns json.Number into int64 or float64, which go-yaml encodes as numbers.
func yamlForm(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = yamlForm(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = yamlForm(e)
		}
		return out
	}
	return v
}

func isObject(v any) bool { _, ok := v.(map[string]any); return ok }
func isList(v any) bool   { _, ok := v.([]any); return ok }
