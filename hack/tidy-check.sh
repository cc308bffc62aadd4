#!/usr/bin/env bash
# Fails when a module is not `go mod tidy`, or Go files are not gofmt'd, or go vet complains.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
# Every module: the project's three and the pinned tool modules under hack/.
for mod in $(git ls-files '*go.mod' | xargs -n1 dirname); do
  (cd "$mod" && go mod tidy -diff >/dev/null) || { echo "go.mod/go.sum in $mod are not tidy: run 'cd $mod && go mod tidy'"; status=1; }
done
unformatted=$(gofmt -l $(git ls-files '*.go') || true)
[ -z "$unformatted" ] || { echo "gofmt would change: $unformatted"; status=1; }
exit $status
