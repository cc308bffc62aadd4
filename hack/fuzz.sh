#!/usr/bin/env bash
# Runs every fuzz target of the project's modules for a short time (default 10s each).
# A target is a `func FuzzX(f *testing.F)` in a _test.go file; its seed corpus also runs in `make test`.
set -euo pipefail
fuzztime=${1:-10s}
# The rerun budget after a deadline race: roughly a few seconds of the slower targets.
fuzzexecs=${FUZZEXECS:-20000x}
cd "$(dirname "$0")/.."

# fuzz_once runs one target for a time budget. Go's fuzz coordinator can end a time-bounded run with a
# bare "context deadline exceeded" and no failing input: a race between its wall-clock deadline and a
# worker still mid-call (seen on loaded 2-core machines, twice in a row for the same target). That case
# returns 1, and the caller reruns the target with an execution-count budget, which has no deadline to
# race, so any failure of the rerun is a real one. A crash writes a failing input under testdata/fuzz
# and fails at once. New inputs are minimised for at most 3s: the default 60s freezes a short run.
fuzz_once() {
  local out status=0
  out=$(go test -run '^$' -fuzz "^$1\$" -fuzztime "$3" -fuzzminimizetime 3s "$2" 2>&1) || status=$?
  echo "$out"
  [ "$status" = 0 ] && return 0
  if [ "$3" = "$fuzztime" ] && grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
    echo "fuzz: $1 hit the coordinator's deadline race without a failing input; rerunning with $fuzzexecs executions"
    return 1
  fi
  exit 2
}
for module in . sdk api; do
  # go list keeps each module to its own packages (nested modules are not part of ./...).
  (cd "$module" && go list -f '{{.Dir}}' ./... | while read -r dir; do
    for target in $(grep -hoE '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' "$dir"/*_test.go 2>/dev/null | sed -E 's/^func (Fuzz[A-Za-z0-9_]+).*/\1/'); do
      echo "fuzz: $module ${dir#$PWD/} $target ($fuzztime)"
      fuzz_once "$target" "$dir" "$fuzztime" || fuzz_once "$target" "$dir" "$fuzzexecs"
    done
  done)
done
