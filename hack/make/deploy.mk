# Building the manager image and deploying Kubernaut from source (internal/devcluster/deploy).
#
#   make manager-image REGISTRY=ghcr.io/acme [INSECURE=1] [MANAGER_TAG=v0.1.0]
#       builds cmd/manager with Kubernaut's own image builder, pushes it to
#       $(REGISTRY)/kubernaut/manager:$(MANAGER_TAG) (credentials from the docker config) and
#       prints the digest reference to put into config/manager; INSECURE=1 allows plain HTTP.
#   make dev-deploy [DEV_DEPLOY_FLAGS="--registry-entries registry.yaml --key-pub cosign.pub"]
#       builds and pushes the manager into the running dev cluster and deploys config/default
#       there (`kubernaut dev deploy`); KUBERNAUT_DEV_STATE_DIR selects the cluster.
MANAGER_TAG ?= dev
DEV_DEPLOY_FLAGS ?=

# Checked when the makefile is read, so a missing REGISTRY fails before anything is built.
ifneq ($(filter manager-image,$(MAKECMDGOALS)),)
ifeq ($(REGISTRY),)
$(error usage: make manager-image REGISTRY=host[:port][/path] [INSECURE=1] [MANAGER_TAG=dev])
endif
endif

.PHONY: manager-image dev-deploy
## manager-image: build cmd/manager with our builder and push it: REGISTRY=host[:port]/path [INSECURE=1]
manager-image: build
	$(BIN)/kubernaut dev manager-image --registry '$(REGISTRY)' --tag '$(MANAGER_TAG)' $(if $(INSECURE),--insecure)

## dev-deploy: build the manager and deploy config/default into the running dev cluster
dev-deploy: build $(BIN)/k8s/kubectl
	$(BIN)/kubernaut dev deploy $(if $(KUBERNAUT_DEV_STATE_DIR),--state-dir '$(KUBERNAUT_DEV_STATE_DIR)') $(DEV_DEPLOY_FLAGS)
