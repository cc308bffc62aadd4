# The signing pipeline of the built-in actions (issue 7): every action under actions/ is built by
# the project's image builder, pushed to $(REGISTRY)/<group>/<name>:<contract version>, signed, and
# listed by digest in config/actions (the action registry ConfigMap, the key Secret and a
# kustomization). SIGNING_KEY names a cosign key (password from COSIGN_PASSWORD); without it a
# key pair generated once under bin/actions-signing/ is used.
REGISTRY ?=
SIGNING_KEY ?=

.PHONY: actions
## actions: build, push and sign every built-in action: make actions REGISTRY=host:port/path [SIGNING_KEY=cosign.key]
actions: build
	@test -n "$(REGISTRY)" || { echo "usage: make actions REGISTRY=host[:port]/path [SIGNING_KEY=cosign.key]" >&2; exit 2; }
	$(BIN)/kubernaut action publish --registry "$(REGISTRY)" $(if $(SIGNING_KEY),--key "$(SIGNING_KEY)")
