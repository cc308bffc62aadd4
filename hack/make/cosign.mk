# cosign: the real cosign CLI, built from the pinned module in hack/tools/cosign, for the interop
# tests in test/interop. It is a test tool only: Kubernaut never links or runs cosign, and the
# separate tools module keeps cosign's large module graph out of our go.mod. A file target: a
# second `make test-tools` does nothing until the pin (go.mod/go.sum) or this fragment changes.

COSIGN_TOOLS := $(CURDIR)/hack/tools/cosign

test-tools: $(BIN)/cosign

# The version is read from the pin and stamped in, as cosign's own Makefile does, because a binary
# built from a dependency module would otherwise report "devel" in `cosign version`. CGO is off
# (a static binary; no PKCS#11, the interop tests only use key files). The build goes to a
# temporary name first, so an interrupted build never leaves a binary that make considers done.
$(BIN)/cosign: $(COSIGN_TOOLS)/go.mod $(COSIGN_TOOLS)/go.sum hack/make/cosign.mk
	@mkdir -p $(BIN)
	cd $(COSIGN_TOOLS) && \
	  version=$$($(GO) list -m -f '{{.Version}}' github.com/sigstore/cosign/v3) && \
	  CGO_ENABLED=0 $(GO) build -trimpath \
	    -ldflags "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=$$version" \
	    -o $@.tmp github.com/sigstore/cosign/v3/cmd/cosign
	mv $@.tmp $@
