#!/usr/bin/env bash
# Runs every fuzz target in both modules for a short time (default 10s each).
# A target is a `func FuzzX(f *testing.F)` in a _test.go file; the seed corpus also runs in `make test`.
set -euo pipefail
fuzztime=${1:-10s}
cd "$(dirname "$0")/.."
run_module() { # $1: module dir
  (cd "$1" && grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' . | while read -r file; do
    pkg=./$(dirname "${file#./}")
    for target in $(grep -oE '^func Fuzz[A-Za-z0-9_]+' "$file" | sed 's/^func //'); do
      echo "fuzz: $1 $pkg $target ($fuzztime)"
      go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
    done
  done)
}
run_module sdk
run_module .
