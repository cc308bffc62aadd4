# Generated API artefacts: the CustomResourceDefinitions in config/crd/bases and the deepcopy
# functions in api/, both from the kubebuilder markers of the api module, by controller-gen. The
# generator is pinned in its own tools module (hack/tools/controller-gen), like the other tools,
# so that controller-tools never enters Kubernaut's go.mod. A file target: the binary is rebuilt
# only when the pin or this fragment changes. CI runs `make manifests-check`.

CONTROLLER_GEN_TOOLS := $(CURDIR)/hack/tools/controller-gen
CONTROLLER_GEN := $(BIN)/controller-gen
API_DIR := api
CRD_DIR := config/crd/bases
BOILERPLATE := $(CURDIR)/hack/boilerplate.go.txt

# The build goes to a temporary name first, so an interrupted build never leaves a binary that
# make considers done. controller-gen reads its version from the module's build info, so
# `controller-gen --version` reports the pin without ldflags.
$(CONTROLLER_GEN): $(CONTROLLER_GEN_TOOLS)/go.mod $(CONTROLLER_GEN_TOOLS)/go.sum hack/make/manifests.mk
	@mkdir -p $(BIN)
	cd $(CONTROLLER_GEN_TOOLS) && CGO_ENABLED=0 $(GO) build -trimpath \
		-o $@.tmp sigs.k8s.io/controller-tools/cmd/controller-gen
	mv $@.tmp $@

# generate-api runs controller-gen over the api module in directory $(1), writing the CRDs to the
# absolute directory $(2). It runs inside the api directory, in a subshell, because controller-gen
# loads packages with the go command and api is a module of its own.
define generate-api
(cd $(1) && $(CONTROLLER_GEN) object:headerFile=$(BOILERPLATE) crd paths=./... \
	output:crd:artifacts:config=$(2))
endef

.PHONY: manifests manifests-check
## manifests: regenerate the CRDs (config/crd/bases) and deepcopy functions (api/) from the API types, and the meta-Task (config/tekton)
manifests: $(CONTROLLER_GEN)
	$(call generate-api,$(API_DIR),$(CURDIR)/$(CRD_DIR))
	$(GO) run ./hack/gen-tekton

## manifests-check: fails when the CRDs or deepcopy functions in the tree differ from a regeneration
# The check regenerates into a temporary copy, so it never touches the work tree, and it compares
# directories rather than asking git, so it also catches files that are not committed yet and stale
# CRDs of removed types (diff -r reports files that exist on one side only).
manifests-check: $(CONTROLLER_GEN)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp -R $(API_DIR) "$$tmp/api"; mkdir "$$tmp/crd"; \
	$(call generate-api,"$$tmp/api","$$tmp/crd"); \
	stale=0; \
	diff -ru $(CRD_DIR) "$$tmp/crd" || stale=1; \
	diff -ru $(API_DIR) "$$tmp/api" || stale=1; \
	$(GO) run ./hack/gen-tekton -o "$$tmp/kubernaut-action.yaml"; \
	diff -u config/tekton/kubernaut-action.yaml "$$tmp/kubernaut-action.yaml" || stale=1; \
	if [ $$stale = 1 ]; then \
	  echo "Generated API files are stale: run 'make manifests' and commit the result." >&2; exit 1; \
	fi; \
	echo "CRDs and deepcopy functions are up to date."
