#!/usr/bin/env bash
# Runs every fuzz target of the project's modules for a short time (default 10s each).
# A target is a `func FuzzX(f *testing.F)` in a _test.go file; its seed corpus also runs in `make test`.
set -euo pipefail
fuzztime=${1:-10s}
cd "$(dirname "$0")/.."

# fuzz_once runs one target. Go's fuzz coordinator sometimes ends a time-bounded run with a bare
# "context deadline exceeded" when a worker is slow to report at the deadline (no failing input is
# written); only that case returns 1 so the caller retries once. A real crash, which writes a failing
# input under testdata/fuzz, returns 2 and fails the run. New inputs are minimised for at most 3s:
# the default 60s freezes a short run while it minimises.
fuzz_once() {
  local out status=0
  out=$(go test -run '^$' -fuzz "^$1\$" -fuzztime "$fuzztime" -fuzzminimizetime 3s "$2" 2>&1) || status=$?
  echo "$out"
  [ "$status" = 0 ] && return 0
  if grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
    echo "fuzz: $1 hit the coordinator's deadline without a failing input; retrying once"
    return 1
  fi
  exit 2
}
for module in . sdk api; do
  # go list keeps each module to its own packages (nested modules are not part of ./...).
  (cd "$module" && go list -f '{{.Dir}}' ./... | while read -r dir; do
    for target in $(grep -hoE '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' "$dir"/*_test.go 2>/dev/null | sed -E 's/^func (Fuzz[A-Za-z0-9_]+).*/\1/'); do
      echo "fuzz: $module ${dir#$PWD/} $target ($fuzztime)"
      fuzz_once "$target" "$dir" || fuzz_once "$target" "$dir"
    done
  done)
done
