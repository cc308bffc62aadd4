package main

import (
	"testing"

	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestGreetUsesTheContractDefaultForTimes(t *testing.T) {
	res := actiontest.Run(t, greet, map[string]any{"name": "Ada"}, actiontest.WithContractFile("action-contract.yaml"))
	if res.ExitCode != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", res.ExitCode, res.Stderr)
	}
	if got, want := res.Outputs["greeting"], "Hello, Ada!"; got != want {
		t.Errorf("greeting = %v, want %q", got, want)
	}
}

func TestGreetRejectsAnInvalidNameBeforeRunning(t *testing.T) {
	res := actiontest.Run(t, greet, map[string]any{"name": "<script>"}, actiontest.WithContractFile("action-contract.yaml"))
	if res.ExitCode != 2 {
		t.Fatalf("exit code %d, want 2 (input error); stderr:\n%s", res.ExitCode, res.Stderr)
	}
}
