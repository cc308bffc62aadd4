#!/usr/bin/env bash
# Runs every fuzz target of the project's modules for a short time (default 10s each).
# A target is a `func FuzzX(f *testing.F)` in a _test.go file; its seed corpus also runs in `make test`.
set -euo pipefail
fuzztime=${1:-10s}
cd "$(dirname "$0")/.."
for module in . sdk api; do
  # go list keeps each module to its own packages (nested modules are not part of ./...).
  (cd "$module" && go list -f '{{.Dir}}' ./... | while read -r dir; do
    for target in $(grep -hoE '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' "$dir"/*_test.go 2>/dev/null | sed -E 's/^func (Fuzz[A-Za-z0-9_]+).*/\1/'); do
      echo "fuzz: $module ${dir#$PWD/} $target ($fuzztime)"
      go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$dir"
    done
  done)
done
