package contract

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// Bounds on number literals, so exact arithmetic on them stays cheap: without them a value
// like 1e-999999999 would make big.Rat compute a billion-digit power of ten.
const (
	maxNumberLength   = 100
	maxNumberExponent = 400
)

// valueChecker checks values against one parameter. It compiles the pattern and converts the
// bounds once, because a contract's enum may hold many thousands of values to check.
type valueChecker struct {
	p        *Parameter
	pattern  *regexp.Regexp // nil when there is none or it does not compile (Validate reports that)
	min, max *big.Rat
	enum     map[string]bool // keys of the enum values, built on first use
}

func newValueChecker(p *Parameter) *valueChecker {
	vc := &valueChecker{p: p}
	if p.Pattern != "" {
		vc.pattern, _ = regexp.Compile(p.Pattern)
	}
	if p.Minimum != nil {
		vc.min = floatRat(*p.Minimum)
	}
	if p.Maximum != nil {
		vc.max = floatRat(*p.Maximum)
	}
	return vc
}

// inEnum reports whether v is one of the enum values; the set is built on first use.
func (vc *valueChecker) inEnum(v any) bool {
	if vc.enum == nil {
		vc.enum = make(map[string]bool, len(vc.p.Enum))
		for _, e := range vc.p.Enum {
			vc.enum[valueKey(e)] = true
		}
	}
	return vc.enum[valueKey(v)]
}

// problems lists why v is not an acceptable value of the parameter. A value of the wrong type
// gets only the type reason; the other constraints would be noise. withEnum=false skips the
// enum check, for checking the enum values themselves.
func (vc *valueChecker) problems(v any, withEnum bool) []string {
	p := vc.p
	if reason := typeProblem(p.Type, v); reason != "" {
		return []string{reason}
	}
	var reasons []string
	if withEnum && len(p.Enum) > 0 && !vc.inEnum(v) {
		reasons = append(reasons, "must be one of "+formatValues(p.Enum)+", got "+formatValue(v))
	}
	if s, ok := v.(string); ok && vc.pattern != nil && !vc.pattern.MatchString(s) {
		reasons = append(reasons, fmt.Sprintf("%s does not match the pattern %q", formatValue(v), p.Pattern))
	}
	if vc.min == nil && vc.max == nil {
		return reasons
	}
	if r, err := numberRat(v); err == nil {
		if vc.min != nil && r.Cmp(vc.min) < 0 {
			reasons = append(reasons, fmt.Sprintf("must be at least %s, got %s", formatFloat(*p.Minimum), formatValue(v)))
		}
		if vc.max != nil && r.Cmp(vc.max) > 0 {
			reasons = append(reasons, fmt.Sprintf("must be at most %s, got %s", formatFloat(*p.Maximum), formatValue(v)))
		}
	}
	return reasons
}

// typeProblem says why v is not a value of type t, or "" when it is.
func typeProblem(t Type, v any) string {
	ok := false
	switch t {
	case TypeString:
		_, ok = v.(string)
	case TypeBoolean:
		_, ok = v.(bool)
	case TypeObject:
		_, ok = v.(map[string]any)
	case TypeArray:
		_, ok = v.([]any)
	case TypeNumber, TypeInteger:
		if !isNumber(v) {
			break
		}
		r, err := numberRat(v)
		if err != nil {
			return err.Error()
		}
		if t == TypeInteger && !r.IsInt() {
			return "must be a whole number (an integer), got " + formatValue(v)
		}
		ok = true
	}
	if ok {
		return ""
	}
	article := "a"
	if t == TypeInteger || t == TypeObject || t == TypeArray {
		article = "an"
	}
	return fmt.Sprintf("must be %s %s, got %s", article, t, describe(v))
}

// isNumber reports whether v is a number as decoded from JSON, or a Go number passed directly.
func isNumber(v any) bool {
	switch v.(type) {
	case json.Number, float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}

// numberRat converts a number to an exact rational, so integer checks, bounds and enum matches
// are exact (1.0000000000000000001 is not a whole number, though its float64 is).
func numberRat(v any) (*big.Rat, error) {
	rv := reflect.ValueOf(v)
	switch v := v.(type) {
	case json.Number:
		return literalRat(string(v))
	case float64, float32:
		r := new(big.Rat)
		f := rv.Float()
		if r.SetFloat64(f) == nil {
			return nil, fmt.Errorf("must be a finite number, got %v", f)
		}
		return r, nil
	case int, int8, int16, int32, int64:
		return new(big.Rat).SetInt64(rv.Int()), nil
	case uint, uint8, uint16, uint32, uint64:
		return new(big.Rat).SetUint64(rv.Uint()), nil
	}
	return nil, fmt.Errorf("must be a number, got %s", describe(v))
}

var jsonNumberPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// literalRat parses a JSON number literal within the float64 range.
func literalRat(s string) (*big.Rat, error) {
	if isJSONInteger(s) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return new(big.Rat).SetInt64(n), nil // the common case, without regexp or big parsing
		}
	}
	if !jsonNumberPattern.MatchString(s) {
		return nil, fmt.Errorf("must be a number, got %q", s)
	}
	if len(s) > maxNumberLength {
		return nil, fmt.Errorf("must be a number of at most %d characters, got %d", maxNumberLength, len(s))
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return nil, fmt.Errorf("must be a number within the float64 range, got %s", s)
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if exp, err := strconv.Atoi(s[i+1:]); err != nil || exp > maxNumberExponent || exp < -maxNumberExponent {
			return nil, fmt.Errorf("must be a number with an exponent within ±%d, got %s", maxNumberExponent, s)
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("must be a number, got %q", s)
	}
	return r, nil
}

// isJSONInteger reports whether s is an integer literal as JSON writes it: an optional minus,
// then digits without a leading zero.
func isJSONInteger(s string) bool {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || (digits[0] == '0' && len(digits) > 1) {
		return false
	}
	for i := range len(digits) {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

func floatRat(f float64) *big.Rat {
	r := new(big.Rat)
	if r.SetFloat64(f) == nil { // NaN or infinity, only possible in a hand-built contract
		return new(big.Rat)
	}
	return r
}

// valuesEqual compares two JSON values; numbers compare by value, so 1, 1.0 and 1e0 are equal.
func valuesEqual(a, b any) bool {
	if isNumber(a) && isNumber(b) {
		ra, errA := numberRat(a)
		rb, errB := numberRat(b)
		return errA == nil && errB == nil && ra.Cmp(rb) == 0
	}
	return reflect.DeepEqual(a, b)
}

// valueKey is a canonical key for a JSON value: values that valuesEqual calls equal get the
// same key, so enum checks run in linear time even on a hostile 1 MiB enum.
func valueKey(v any) string {
	switch v := v.(type) {
	case string:
		return "s" + v
	case bool:
		return "b" + strconv.FormatBool(v)
	case json.Number:
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil && isJSONInteger(string(v)) {
			return "n" + strconv.FormatInt(n, 10) // what RatString gives, without big arithmetic
		}
	}
	if r, err := numberRat(v); err == nil {
		return "n" + r.RatString()
	}
	return "j" + formatValue(v)
}

// formatValue renders a value as JSON, which is how authors and callers wrote it.
func formatValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return truncate(string(b), 60)
}

func formatValues(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = formatValue(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// copyJSON deep-copies a JSON value so a caller's later changes cannot reach our result, nor
// the contract's defaults.
func copyJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = copyJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyJSON(e)
		}
		return out
	}
	return v
}

// jsonShapeErrors reports values nested inside objects and arrays that JSON cannot carry (a Go
// caller may pass anything), with JSON pointers such as "/labels/app".
func jsonShapeErrors(v any, pointer string, errs *fieldErrors) {
	switch v := v.(type) {
	case nil, string, bool:
	case map[string]any:
		for _, k := range sortedKeys(v) {
			jsonShapeErrors(v[k], pointer+"/"+escapePointer(k), errs)
		}
	case []any:
		for i, e := range v {
			jsonShapeErrors(e, pointer+"/"+strconv.Itoa(i), errs)
		}
	default:
		if !isNumber(v) {
			errs.add(pointer, fmt.Sprintf("is not a JSON value (Go type %T)", v))
		} else if _, err := numberRat(v); err != nil {
			errs.add(pointer, err.Error())
		}
	}
}

// escapePointer escapes a key for use in a JSON pointer (RFC 6901).
func escapePointer(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}
