# Kubernetes from source: the control plane for integration tests (tier 2) and the binaries of the
# local single-node dev cluster (tier 3). Everything is built from pinned Go modules in separate
# tools modules (hack/tools/kube, hack/tools/etcd, hack/tools/cluster), so the main module's graph
# never sees k8s.io/kubernetes. Each binary is a file target: a second `make` does nothing until
# the tools module's go.mod/go.sum change. Facts and gotchas: reference/local-cluster.md.

KUBE_VERSION := v1.37.2
K8S_BIN := $(BIN)/k8s
KUBE_TOOLS := $(CURDIR)/hack/tools/kube
ETCD_TOOLS := $(CURDIR)/hack/tools/etcd
CLUSTER_TOOLS := $(CURDIR)/hack/tools/cluster

# A plain `go build` of Kubernetes reports gitVersion v0.0.0-master+$Format:%H$, which `kubectl
# version` cannot parse and which the Node object would show; stamp the real release instead. The
# build date is fixed so that the binaries are reproducible.
KUBE_VERSION_PKGS := k8s.io/component-base/version k8s.io/client-go/pkg/version
KUBE_LDFLAGS := -s -w $(foreach p,$(KUBE_VERSION_PKGS),\
	-X $(p).gitVersion=$(KUBE_VERSION) -X $(p).gitMajor=1 -X $(p).gitMinor=37 \
	-X $(p).gitTreeState=clean -X $(p).buildDate=2026-01-01T00:00:00Z)

# envtest needs exactly these three (controller-runtime's BinaryAssetsDirectory layout).
ENVTEST_BINS := $(K8S_BIN)/kube-apiserver $(K8S_BIN)/etcd $(K8S_BIN)/kubectl
# The dev cluster needs the rest of the node as well.
KUBE_NODE_BINS := $(K8S_BIN)/kube-controller-manager $(K8S_BIN)/kube-scheduler \
	$(K8S_BIN)/kubelet $(K8S_BIN)/kube-proxy
CONTAINERD_BINS := $(K8S_BIN)/containerd $(K8S_BIN)/containerd-shim-runc-v2 $(K8S_BIN)/ctr
# The harness's own daemons (registry, provisioner) and the pause process, from this module.
HARNESS_BINS := $(K8S_BIN)/kubernaut-dev-agent $(K8S_BIN)/kubernaut-pause
CLUSTER_BINS := $(ENVTEST_BINS) $(KUBE_NODE_BINS) $(CONTAINERD_BINS) $(K8S_BIN)/etcdctl $(HARNESS_BINS)

.PHONY: cluster-tools
test-tools: $(ENVTEST_BINS)
## cluster-tools: every binary of the local dev cluster (kubernaut dev cluster up)
cluster-tools: $(CLUSTER_BINS)

# Builds go to a temporary name unique to the shell, then move into place: an interrupted build
# never leaves a binary that make would consider up to date, and two makes running at once
# (several people share these machines) never write the same file.
$(K8S_BIN)/kube-apiserver $(K8S_BIN)/kubectl $(KUBE_NODE_BINS): $(K8S_BIN)/%: \
		$(KUBE_TOOLS)/go.mod $(KUBE_TOOLS)/go.sum
	@mkdir -p $(K8S_BIN)
	cd $(KUBE_TOOLS) && CGO_ENABLED=0 $(GO) build -buildvcs=false -ldflags '$(KUBE_LDFLAGS)' \
		-o $@.tmp$$$$ k8s.io/kubernetes/cmd/$* \
		&& mv $@.tmp$$$$ $@

$(K8S_BIN)/etcd: $(ETCD_TOOLS)/go.mod $(ETCD_TOOLS)/go.sum
	@mkdir -p $(K8S_BIN)
	cd $(ETCD_TOOLS) && CGO_ENABLED=0 $(GO) build -buildvcs=false -ldflags '-s -w' -o $@.tmp$$$$ go.etcd.io/etcd/server/v3 \
		&& mv $@.tmp$$$$ $@

$(K8S_BIN)/etcdctl: $(ETCD_TOOLS)/go.mod $(ETCD_TOOLS)/go.sum
	@mkdir -p $(K8S_BIN)
	cd $(ETCD_TOOLS) && CGO_ENABLED=0 $(GO) build -buildvcs=false -ldflags '-s -w' -o $@.tmp$$$$ go.etcd.io/etcd/etcdctl/v3 \
		&& mv $@.tmp$$$$ $@

# containerd 2 without the btrfs, devmapper and zfs snapshotters, which need cgo and are unused
# (the dev cluster uses overlayfs).
CONTAINERD_TAGS := no_btrfs no_devmapper no_zfs
CONTAINERD_LDFLAGS := -s -w -X github.com/containerd/containerd/v2/version.Version=2.4.2 \
	-X github.com/containerd/containerd/v2/version.Revision=v2.4.2
$(CONTAINERD_BINS): $(K8S_BIN)/%: $(CLUSTER_TOOLS)/go.mod $(CLUSTER_TOOLS)/go.sum
	@mkdir -p $(K8S_BIN)
	cd $(CLUSTER_TOOLS) && CGO_ENABLED=0 $(GO) build -buildvcs=false -tags '$(CONTAINERD_TAGS)' -ldflags '$(CONTAINERD_LDFLAGS)' \
		-o $@.tmp$$$$ github.com/containerd/containerd/v2/cmd/$* \
		&& mv $@.tmp$$$$ $@

DEVCLUSTER_SOURCES := $(shell find internal/devcluster -name '*.go' -not -name '*_test.go') go.mod go.sum
$(K8S_BIN)/kubernaut-dev-agent: $(DEVCLUSTER_SOURCES)
	@mkdir -p $(K8S_BIN)
	$(GO) build -buildvcs=false -o $@.tmp$$$$ ./internal/devcluster/agent \
		&& mv $@.tmp$$$$ $@

# Static, because it is the only file in the pause image.
$(K8S_BIN)/kubernaut-pause: internal/devcluster/pause/main.go
	@mkdir -p $(K8S_BIN)
	CGO_ENABLED=0 $(GO) build -buildvcs=false -ldflags '-s -w' -o $@.tmp$$$$ ./internal/devcluster/pause \
		&& mv $@.tmp$$$$ $@
