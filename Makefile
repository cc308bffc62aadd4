# Kubernaut: build, test and run targets. Tools we need are built from pinned Go modules into bin/
# (git-ignored, cached); nothing is downloaded except through the Go module proxy and Debian's apt.

SHELL := /usr/bin/env bash -o pipefail
export GOTOOLCHAIN := local
BIN := $(CURDIR)/bin
GO ?= go
FUZZTIME ?= 10s

.PHONY: all build test test-unit fuzz vet fmt tidy-check bench clean

all: build

## build: the CLI and the manager
build:
	$(GO) build -o $(BIN)/kubernaut ./cmd/kubernaut

## test: tiers 1 and 2 (no root): unit, registry, signature and API-server tests, cosign interop, and the admission policy
test: test-tools
	cd sdk && $(GO) test ./...
	cd api && $(GO) test ./...
	$(GO) test ./...
	cd hack/tools/policycontroller && $(GO) test ./...

## fuzz: a short run of every fuzz target (CI); FUZZTIME=1m for longer
fuzz:
	hack/fuzz.sh $(FUZZTIME)

vet:
	cd sdk && $(GO) vet ./...
	cd api && $(GO) vet ./...
	$(GO) vet ./...

# actionlint, built from the pinned module in hack/tools/actionlint (a file target, rebuilt only
# when the pin changes), checks .github/workflows, and with shellcheck installed their run
# scripts too. The tools module's test then proves the linter is live: it must catch a broken
# copy of the release workflow, and it fails loudly when bin/actionlint is missing.
ACTIONLINT_TOOLS := $(CURDIR)/hack/tools/actionlint
.PHONY: lint-workflows test-admission-policy
## lint-workflows: actionlint over .github/workflows (shellcheck too when installed)
lint-workflows: $(BIN)/actionlint
	$(BIN)/actionlint
	cd $(ACTIONLINT_TOOLS) && $(GO) test -count=1 ./...

$(BIN)/actionlint: $(ACTIONLINT_TOOLS)/go.mod $(ACTIONLINT_TOOLS)/go.sum
	@mkdir -p $(BIN)
	cd $(ACTIONLINT_TOOLS) && \
	  version=$$($(GO) list -m -f '{{.Version}}' github.com/rhysd/actionlint) && \
	  CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X github.com/rhysd/actionlint.version=$$version" \
	    -o $@.tmp$$$$ github.com/rhysd/actionlint/cmd/actionlint && mv $@.tmp$$$$ $@

## test-admission-policy: config/policy-controller against policy-controller's CRDs (real API server) and API
test-admission-policy: test-tools
	cd hack/tools/policycontroller && $(GO) test -count=1 ./...

fmt:
	gofmt -l -w $$(git ls-files '*.go')

## tidy-check: fails when go.mod/go.sum are not tidy or code is not gofmt'd
tidy-check:
	hack/tidy-check.sh

## bench: the benchmarks behind the figures in the README
bench:
	hack/bench.sh

clean:
	rm -rf $(BIN)

# Tool fragments: each defines its bin/ targets and adds them to test-tools.
.PHONY: test-tools
test-tools:
include $(wildcard hack/make/*.mk)

## demo: the README's run command: workflows of signed actions on the local cluster (root; hack/demo.sh)
.PHONY: demo demo-supply-chain
demo: build cluster-tools
	hack/demo.sh

## demo-supply-chain: build, push, sign and verify an example action on a registry on 127.0.0.1 (no root)
demo-supply-chain:
	hack/demo-supply-chain.sh
