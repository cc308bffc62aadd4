# Tier 3: end-to-end tests on a real single-node cluster (root, Linux). The suite's TestMain
# brings the dev cluster up when it is not running and leaves the machine as it found it: a
# cluster it started is stopped again, and a state directory it created is purged.
# KUBERNAUT_DEV_STATE_DIR selects the cluster (default: the CLI's default state directory).
E2E_TIMEOUT ?= 30m

.PHONY: e2e
## e2e: tier 3 on a real single-node cluster (root); starts and stops it when needed
e2e: cluster-tools
	$(GO) test -tags e2e -count=1 -timeout $(E2E_TIMEOUT) -v ./test/e2e/...
