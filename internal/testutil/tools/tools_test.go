package tools

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestModulePathReadsTheModuleLine(t *testing.T) {
	tests := []struct {
		name  string
		goMod string
		want  string
	}{
		{"a plain module line is read", "module github.com/a/b\n\ngo 1.26\n", "github.com/a/b"},
		{"a quoted path is unquoted", "module \"github.com/a/b\"\n", "github.com/a/b"},
		{"a trailing comment is dropped", "module github.com/a/b // the root\n", "github.com/a/b"},
		{"comments before the module line are passed over", "// header\nmodule x\n", "x"},
		{"a word that only starts with module is not a module line", "modules x\n", ""},
		{"a file without a module line gives nothing", "go 1.26\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, modulePath([]byte(tc.goMod))); diff != "" {
				t.Errorf("modulePath (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindRepoRootWalksPastNestedModules(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "go.mod"), "module "+ModulePath+"\n", 0o644)
	nested := filepath.Join(root, "sdk", "action")
	writeFile(t, filepath.Join(root, "sdk", "go.mod"), "module "+ModulePath+"/sdk\n", 0o644)
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}

	got, err := findRepoRoot(nested)
	if err != nil {
		t.Fatalf("findRepoRoot: %v", err)
	}
	if diff := cmp.Diff(root, got); diff != "" {
		t.Errorf("root (-want +got):\n%s", diff)
	}
}

func TestFindRepoRootFailsOutsideTheRepository(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/other\n", 0o644)

	_, err := findRepoRoot(dir)
	if err == nil || !strings.Contains(err.Error(), ModulePath) {
		t.Fatalf("findRepoRoot error = %v, want one naming %s", err, ModulePath)
	}
}

func TestRepoRootFindsThisRepository(t *testing.T) {
	root := RepoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if got := modulePath(data); got != ModulePath {
		t.Errorf("go.mod at %s declares %q, want %q", root, got, ModulePath)
	}
}

func TestCosignFromTheEnvironment(t *testing.T) {
	program := filepath.Join(t.TempDir(), "cosign")
	writeFile(t, program, "#!/bin/sh\n", 0o755)
	t.Setenv(CosignEnv, program)

	if diff := cmp.Diff(program, Cosign(t)); diff != "" {
		t.Errorf("Cosign (-want +got):\n%s", diff)
	}
}

func TestCosignFailsLoudlyWhenTheBinaryIsUnusable(t *testing.T) {
	dir := t.TempDir()
	notExecutable := filepath.Join(dir, "cosign")
	writeFile(t, notExecutable, "#!/bin/sh\n", 0o644)
	tests := []struct {
		name     string
		env      string
		wantText string
	}{
		{"a missing binary is refused", filepath.Join(dir, "absent"), "no such file"},
		{"a non-executable file is refused", notExecutable, "not executable"},
		{"a directory is refused", dir, "is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(CosignEnv, tc.env)
			fatal := runExpectingFatal(t, func(tb testing.TB) { Cosign(tb) })
			for _, want := range []string{tc.wantText, CosignEnv, "run `make test-tools`"} {
				if !strings.Contains(fatal, want) {
					t.Errorf("fatal message %q, want it to contain %q", fatal, want)
				}
			}
		})
	}
}

func TestCosignMissingFromBinTellsHowToBuildIt(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "go.mod"), "module "+ModulePath+"\n", 0o644)
	t.Chdir(root)
	t.Setenv(CosignEnv, "")

	fatal := runExpectingFatal(t, func(tb testing.TB) { Cosign(tb) })
	for _, want := range []string{filepath.Join(root, "bin", "cosign"), "run `make test-tools`"} {
		if !strings.Contains(fatal, want) {
			t.Errorf("fatal message %q, want it to contain %q", fatal, want)
		}
	}
}

// fatalRecorder is a testing.TB whose Fatalf records the message and stops the calling goroutine,
// as the real one does, so the failure path of a helper can be asserted without failing this test.
type fatalRecorder struct {
	testing.TB
	message string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.message = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// runExpectingFatal runs f in its own goroutine and returns the Fatalf message, failing t when f
// returned without calling Fatalf.
func runExpectingFatal(t *testing.T, f func(testing.TB)) string {
	t.Helper()
	recorder := &fatalRecorder{TB: t}
	var wg sync.WaitGroup
	wg.Go(func() { f(recorder) })
	wg.Wait()
	if recorder.message == "" {
		t.Fatal("the helper returned without failing the test")
	}
	return recorder.message
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}
