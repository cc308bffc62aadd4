package contract

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wantError is an expected FieldError: the path exactly, the reason by a telling fragment, so
// tests pin where a problem is and what it is about without freezing every word.
type wantError struct {
	Path   string
	Reason string
}

// fieldErrorsOf extracts the FieldErrors of any of the package's list errors.
func fieldErrorsOf(t *testing.T, err error) []FieldError {
	t.Helper()
	var (
		ve *ValidationError
		ie *InputError
		oe *OutputError
	)
	switch {
	case errors.As(err, &ve):
		return ve.Errors
	case errors.As(err, &ie):
		return ie.Errors
	case errors.As(err, &oe):
		return oe.Errors
	}
	t.Fatalf("error %v (%T) carries no field errors", err, err)
	return nil
}

// assertFieldErrors checks that err lists exactly the wanted problems, in order.
func assertFieldErrors(t *testing.T, err error, want []wantError) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %d field errors: %v", len(want), want)
	}
	got := fieldErrorsOf(t, err)
	gotPaths := make([]string, len(got))
	for i, fe := range got {
		gotPaths[i] = fe.Path
	}
	wantPaths := make([]string, len(want))
	for i, w := range want {
		wantPaths[i] = w.Path
	}
	if diff := cmp.Diff(wantPaths, gotPaths); diff != "" {
		t.Fatalf("error paths differ (-want +got):\n%s\nfull error:\n%v", diff, err)
	}
	for i, w := range want {
		if !strings.Contains(got[i].Reason, w.Reason) {
			t.Errorf("error at %q: reason %q does not contain %q", w.Path, got[i].Reason, w.Reason)
		}
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("reading fixture: %v", err)
	}
	return data
}

func mustParse(t testing.TB, data []byte) *ActionContract {
	t.Helper()
	c, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

// cloneContract deep-copies a contract through JSON, keeping numbers as json.Number as Parse does.
func cloneContract(t testing.TB, c *ActionContract) *ActionContract {
	t.Helper()
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out ActionContract
	if err := decodeJSON(data, &out); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return &out
}

func ptr[T any](v T) *T { return &v }
