package settings

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Callers branch on these with errors.Is; every *KeyError wraps one of them.
var (
	// ErrUnknownKey means the ConfigMap holds a key this version does not know, usually a typo.
	ErrUnknownKey = errors.New("unknown key")
	// ErrInvalidValue means a known key holds a value that does not parse or is out of bounds.
	ErrInvalidValue = errors.New("invalid value")
)

// KeyError is one problem with one data key of the ConfigMap.
type KeyError struct {
	Key    string
	Reason string
	Err    error // ErrUnknownKey or ErrInvalidValue
}

// Error formats the problem as `kubernaut-config: key "k": reason`.
func (e *KeyError) Error() string {
	return fmt.Sprintf("%s: key %q: %s", ConfigMapName, e.Key, e.Reason)
}

// Unwrap returns ErrUnknownKey or ErrInvalidValue.
func (e *KeyError) Unwrap() error { return e.Err }

// Bounds of the settings, inclusive. MinSteps has no natural maximum; a million keeps the
// value far inside int on every platform.
var (
	parallelStepsBounds   = intBounds{1, 100}
	minStepsBounds        = intBounds{0, 1_000_000}
	percentBounds         = intBounds{0, 100}
	stepTimeoutBounds     = durationBounds{time.Second, 24 * time.Hour}
	workflowTimeoutBounds = durationBounds{time.Second, 7 * 24 * time.Hour}
	retentionBounds       = durationBounds{0, 365 * 24 * time.Hour}
	backoffBaseBounds     = durationBounds{100 * time.Millisecond, time.Hour}
	backoffCapBounds      = durationBounds{100 * time.Millisecond, 24 * time.Hour}
)

type intBounds struct{ lo, hi int }

type durationBounds struct{ lo, hi time.Duration }

// keys lists every known key, sorted.
var keys = []string{
	KeyMaxParallelSteps, KeyRetryBackoffBase, KeyRetryBackoffCap, KeyStepTimeout,
	KeyTektonEnabled, KeyTektonMinSteps, KeyTektonPercent, KeyTektonWorkflowTypes,
	KeyWorkflowRetention, KeyWorkflowTimeout, KeyWorkspaceAccessMode, KeyWorkspaceSize, KeyWorkspaceClass,
}

// Keys returns every known data key, sorted.
func Keys() []string { return slices.Clone(keys) }

// apply parses one trimmed value into s. It returns ErrUnknownKey for a key it does not know,
// else the reason when the value is invalid.
func (s *Settings) apply(key, v string) error {
	switch key {
	case KeyMaxParallelSteps:
		return intIn(v, parallelStepsBounds, &s.MaxParallelSteps)
	case KeyWorkspaceSize:
		return positiveQuantity(v, &s.Workspace.Size)
	case KeyWorkspaceClass:
		return storageClass(v, &s.Workspace.StorageClassName)
	case KeyWorkspaceAccessMode:
		return accessMode(v, &s.Workspace.AccessMode)
	case KeyStepTimeout:
		return durationIn(v, stepTimeoutBounds, &s.StepTimeout)
	case KeyWorkflowTimeout:
		return durationIn(v, workflowTimeoutBounds, &s.WorkflowTimeout)
	case KeyWorkflowRetention:
		return durationIn(v, retentionBounds, &s.WorkflowRetention)
	case KeyRetryBackoffBase:
		return durationIn(v, backoffBaseBounds, &s.Retry.Base)
	case KeyRetryBackoffCap:
		return durationIn(v, backoffCapBounds, &s.Retry.Cap)
	case KeyTektonEnabled:
		return boolean(v, &s.Tekton.Enabled)
	case KeyTektonWorkflowTypes:
		return list(v, &s.Tekton.WorkflowTypes)
	case KeyTektonMinSteps:
		return intIn(v, minStepsBounds, &s.Tekton.MinSteps)
	case KeyTektonPercent:
		return intIn(v, percentBounds, &s.Tekton.Percent)
	}
	return ErrUnknownKey
}

// Parse starts from Defaults and applies data. Values are trimmed of surrounding blanks (a YAML
// block scalar adds a newline). Unknown keys and invalid values are *KeyError values naming the
// key and the reason, all of them joined, in key order. On error Parse returns the zero
// Settings: the caller keeps its current settings and reports the error, because applying half
// of a change an operator made is worse than applying none of it.
func Parse(data map[string]string) (Settings, error) {
	s := Defaults()
	var errs []error
	given := make([]string, 0, len(data))
	for k := range data {
		given = append(given, k)
	}
	slices.Sort(given)
	for _, key := range given {
		switch err := s.apply(key, strings.TrimSpace(data[key])); {
		case errors.Is(err, ErrUnknownKey):
			errs = append(errs, &KeyError{Key: key, Reason: unknownKeyReason(key), Err: ErrUnknownKey})
		case err != nil:
			errs = append(errs, &KeyError{Key: key, Reason: err.Error(), Err: ErrInvalidValue})
		}
	}
	if len(errs) == 0 && s.Retry.Cap < s.Retry.Base {
		errs = append(errs, &KeyError{Key: KeyRetryBackoffCap, Err: ErrInvalidValue, Reason: fmt.Sprintf(
			"%s must not be less than %s (%s)", s.Retry.Cap, KeyRetryBackoffBase, s.Retry.Base)})
	}
	if len(errs) > 0 {
		return Settings{}, errors.Join(errs...)
	}
	return s, nil
}

func unknownKeyReason(key string) string {
	if near := closestKey(key); near != "" {
		return fmt.Sprintf("unknown key; did you mean %q?", near)
	}
	return "unknown key; known keys are " + strings.Join(Keys(), ", ")
}

func intIn(v string, b intBounds, into *int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < b.lo || n > b.hi {
		return fmt.Errorf("%q must be an integer from %d to %d", v, b.lo, b.hi)
	}
	*into = n
	return nil
}

func durationIn(v string, b durationBounds, into *time.Duration) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < b.lo || d > b.hi {
		return fmt.Errorf("%q must be a duration from %s to %s, such as 90s or 5m", v, shortDuration(b.lo), shortDuration(b.hi))
	}
	*into = d
	return nil
}

// shortDuration prints 24h0m0s as 24h and 168h0m0s as 168h, as an operator would write them.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func positiveQuantity(v string, into *resource.Quantity) error {
	q, err := resource.ParseQuantity(v)
	if err != nil {
		return fmt.Errorf("%q must be a quantity such as 1Gi or 500Mi", v)
	}
	if q.Sign() <= 0 {
		return fmt.Errorf("%q must be greater than zero", v)
	}
	*into = q
	return nil
}

func storageClass(v string, into *string) error {
	if v != "" && len(validation.IsDNS1123Subdomain(v)) > 0 {
		return fmt.Errorf("%q must be a storage class name (a DNS-1123 subdomain), or empty for the cluster's default class", v)
	}
	*into = v
	return nil
}

var accessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadWriteMany, corev1.ReadWriteOncePod}

func accessMode(v string, into *corev1.PersistentVolumeAccessMode) error {
	m := corev1.PersistentVolumeAccessMode(v)
	if !slices.Contains(accessModes, m) {
		return fmt.Errorf("%q must be one of ReadWriteOnce, ReadWriteMany, ReadWriteOncePod", v)
	}
	*into = m
	return nil
}

func boolean(v string, into *bool) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("%q must be true or false", v)
	}
	*into = b
	return nil
}

// list splits a comma-separated list, trims the items, drops empty ones (a trailing comma is
// harmless) and duplicates. An item with inner blanks is refused: it is almost always a list
// separated by spaces instead of commas, which would otherwise silently match nothing.
func list(v string, into *[]string) error {
	var items []string
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if strings.ContainsFunc(item, unicode.IsSpace) {
			return fmt.Errorf("item %q contains blanks; separate items with commas", item)
		}
		if item != "" && !slices.Contains(items, item) {
			items = append(items, item)
		}
	}
	*into = items
	return nil
}
