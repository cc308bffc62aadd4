#!/usr/bin/env bash
# Runs the supply-chain benchmarks and prints a table: each cached figure as a ratio against the
# cold baseline measured in the same run (BENCHTIME=20x by default).
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${BENCHTIME:-20x}
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
go test -run '^$' -bench . -benchtime "$benchtime" ./internal/verify/ ./internal/imagecontract/ | tee "$raw" >&2
awk '
  /^Benchmark/ {
    split($1, parts, "/"); name = parts[1]; sub(/^Benchmark/, "", name)
    mode = parts[2]; sub(/-[0-9]+$/, "", mode)
    ns[name, mode] = $3
    for (i = 5; i < NF; i += 2) if ($(i+1) == "requests/op" || $(i+1) == "bytes/op") extra[name, mode, $(i+1)] = $i
    names[name] = 1
  }
  END {
    printf "\n%-14s %14s %14s %10s %18s %18s\n", "benchmark", "cold", "cached", "speed-up", "cold fetched", "cold requests"
    for (n in names) {
      fetched = ((n, "cold", "bytes/op") in extra) ? extra[n, "cold", "bytes/op"] " B" : "-"
      printf "%-14s %11.1f µs %11.3f µs %9.0fx %18s %18s\n", n, ns[n, "cold"] / 1000, ns[n, "cached"] / 1000,
        ns[n, "cold"] / ns[n, "cached"], fetched, extra[n, "cold", "requests/op"]
    }
  }' "$raw"
