// Command echo-action is the end-to-end tests' action. It reads ACTION_INPUTS (JSON) and prints
// one JSON line with the inputs, its host name and user id. Optional inputs make it write a
// value to a file ({"write": path, "value": text}) or read one ({"read": path}), to prove that
// volumes are shared, and {"fail": true} makes it exit 1. Invalid JSON also fails.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

type inputs struct {
	Write string `json:"write,omitempty"`
	Value string `json:"value,omitempty"`
	Read  string `json:"read,omitempty"`
	Fail  bool   `json:"fail,omitempty"`
}

func main() {
	host, _ := os.Hostname()
	result := map[string]any{"host": host, "uid": os.Getuid()}
	raw := os.Getenv("ACTION_INPUTS")
	var in inputs
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		fail(result, fmt.Errorf("parse ACTION_INPUTS: %w", err))
	}
	result["inputs"] = json.RawMessage(raw)
	if in.Write != "" {
		if err := os.WriteFile(in.Write, []byte(in.Value), 0o644); err != nil {
			fail(result, err)
		}
	}
	if in.Read != "" {
		data, err := os.ReadFile(in.Read)
		if err != nil {
			fail(result, err)
		}
		result["read"] = string(data)
	}
	if in.Fail {
		fail(result, fmt.Errorf("asked to fail"))
	}
	result["ok"] = true
	emit(result)
}

func fail(result map[string]any, err error) {
	result["ok"], result["error"] = false, err.Error()
	emit(result)
	os.Exit(1)
}

func emit(result map[string]any) {
	line, _ := json.Marshal(result)
	fmt.Println(string(line))
}
