package action_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/sdk/action"
)

func TestParseOutputsReadsTheLastNonEmptyLine(t *testing.T) {
	tests := []struct {
		name   string
		stdout string
		want   map[string]any
	}{
		{"a single line is the outputs", `{"a":1}` + "\n", map[string]any{"a": json.Number("1")}},
		{"a line without a newline is the outputs", `{"a":"x"}`, map[string]any{"a": "x"}},
		{"earlier lines are ignored", "cloning...\n{\"not\":\"this\"}\ndone\n{\"a\":true}\n", map[string]any{"a": true}},
		{"trailing blank lines and CRLF are tolerated", "log\r\n{\"a\":null}\r\n\r\n  \n", map[string]any{"a": nil}},
		{"surrounding spaces are tolerated", "  {\"a\":[]}  \n", map[string]any{"a": []any{}}},
		{"numbers keep their digits", `{"n":12345678901234567890}`, map[string]any{"n": json.Number("12345678901234567890")}},
		{"an empty object is valid outputs", "{}\n", map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := action.ParseOutputs([]byte(tt.stdout))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseOutputsRejectsAnythingButOneJSONObject(t *testing.T) {
	tests := []struct {
		name    string
		stdout  string
		wantErr error
		wantMsg string
	}{
		{"empty output has no output line", "", action.ErrNoOutputLine, "no output line"},
		{"blank output has no output line", " \n\r\n\t\n", action.ErrNoOutputLine, "no output line"},
		{"a log line last is not an object", "{\"a\":1}\ndone\n", action.ErrNotJSONObject, `last line is not a JSON object: not valid JSON`},
		{"an array is not an object", "[1,2]\n", action.ErrNotJSONObject, "want a JSON object, got an array"},
		{"a string is not an object", `"ok"`, action.ErrNotJSONObject, "got a string"},
		{"two objects on one line are not one object", `{"a":1}{"b":2}`, action.ErrNotJSONObject, "more data after the first JSON value"},
		{"a truncated object is not an object", `{"a":`, action.ErrNotJSONObject, "not valid JSON"},
		{"an object split across lines is not a line", "{\n\"a\":1\n}\n", action.ErrNotJSONObject, `line starts "}"`},
		{"a line over the limit is refused whole", `{"a":"` + strings.Repeat("x", action.MaxOutputBytes) + `"}`,
			action.ErrOutputTooLarge, "more than the 65536-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := action.ParseOutputs([]byte(tt.stdout))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
			if got != nil {
				t.Errorf("outputs %v returned with an error", got)
			}
		})
	}
}

func TestWriteOutputsPrintsOneCompactLineThatParsesBack(t *testing.T) {
	out := action.Outputs{
		"text":    "line one\nline two\u2028<b>&",
		"count":   3,
		"nested":  map[string]any{"list": []int{1, 2}},
		"nothing": nil,
	}
	var buf bytes.Buffer
	if err := action.WriteOutputs(&buf, out); err != nil {
		t.Fatal(err)
	}
	if strings.Count(buf.String(), "\n") != 1 || !strings.HasSuffix(buf.String(), "\n") {
		t.Errorf("not exactly one line: %q", buf.String())
	}
	want := `{"count":3,"nested":{"list":[1,2]},"nothing":null,"text":"line one\nline two\u2028\u003cb\u003e\u0026"}` + "\n"
	if buf.String() != want {
		t.Errorf("line\n got %s\nwant %s", buf.String(), want)
	}
	got, err := action.ParseOutputs(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	wantParsed := map[string]any{"text": out["text"], "count": json.Number("3"),
		"nested": map[string]any{"list": []any{json.Number("1"), json.Number("2")}}, "nothing": nil}
	if diff := cmp.Diff(wantParsed, got); diff != "" {
		t.Errorf("parsed back (-want +got):\n%s", diff)
	}
}

func TestMarshalOutputsRefusesWhatCannotBeDelivered(t *testing.T) {
	tests := []struct {
		name    string
		out     action.Outputs
		wantErr error
		wantMsg string
	}{
		{"NaN has no JSON encoding", action.Outputs{"x": math.NaN()}, nil, "not serialisable to JSON"},
		{"a channel has no JSON encoding", action.Outputs{"x": make(chan int)}, nil, "not serialisable to JSON"},
		{"outputs over the limit are refused, not cut", action.Outputs{"x": strings.Repeat("y", action.MaxOutputBytes)},
			action.ErrOutputTooLarge, "put bulk data in a workspace"},
		{"a name with a slash could escape the results directory", action.Outputs{"../x": 1}, action.ErrOutputName, `"../x"`},
		{"an empty name is no file name", action.Outputs{"": 1}, action.ErrOutputName, `""`},
		{"the name outputs is reserved for the whole object", action.Outputs{"outputs": 1}, action.ErrOutputName, `"outputs"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := action.MarshalOutputs(tt.out)
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantMsg)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v is not %v", err, tt.wantErr)
			}
		})
	}
}

func TestNilOutputsAreAnEmptyObject(t *testing.T) {
	line, err := action.MarshalOutputs(nil)
	if err != nil || string(line) != "{}" {
		t.Errorf("MarshalOutputs(nil) = %q, %v; want {}", line, err)
	}
}

func TestValidOutputNameFollowsTektonResultNames(t *testing.T) {
	for name, want := range map[string]bool{
		"commitSHA": true, "clone-time": true, "a.b_c": true, "x": true, "9lives": true,
		"": false, "-x": false, "x-": false, ".hidden": false, "a/b": false, "..": false,
		"with space": false, "outputs": false, "Outputs": true,
	} {
		if got := action.ValidOutputName(name); got != want {
			t.Errorf("ValidOutputName(%q) = %t, want %t", name, got, want)
		}
	}
}
