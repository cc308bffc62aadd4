// Package tekton puts real Tekton Pipelines into the dev cluster, built from its Go module only:
// Build compiles the eight commands of the release from the separate module hack/tekton (which
// requires github.com/tektoncd/pipeline at Version with Tekton's own dependency versions) and
// packages each one with Kubernaut's image builder the way ko does; Render turns the module's own
// config/ directory into the objects `ko resolve -R -f config/` would print, with our images by
// digest; Install applies them with server-side apply, waits until the four Deployments are
// available and proves that Tekton's admission webhook answers.
//
// Nothing is downloaded except Go modules through the Go module proxy. The package imports
// neither internal/devcluster nor its deploy package, so that `kubernaut dev cluster up
// --with-tekton` (in internal/devcluster) can call it.
package tekton

// What is installed.
const (
	// Version is the Tekton Pipelines release, the version of github.com/tektoncd/pipeline that
	// hack/tekton requires.
	Version = "v1.15.1"
	// ModulePath is Tekton Pipelines' Go module.
	ModulePath = "github.com/tektoncd/pipeline"
	// ToolsModuleDir is the module, relative to the Kubernaut source root, whose go.mod pins
	// Tekton and its dependencies; the commands are built there.
	ToolsModuleDir = "hack/tekton"
	// Namespace holds the controller, the webhook and the events controller.
	Namespace = "tekton-pipelines"
	// ResolversNamespace holds the remote resolvers.
	ResolversNamespace = "tekton-pipelines-resolvers"
	// FieldManager owns what Install applies (server-side apply), as for Kubernaut's own deploy.
	FieldManager = "kubernaut-dev"
	// RepositoryPrefix is where the images go below the registry: <registry>/tekton/<command>.
	RepositoryPrefix = "tekton"
)

// Commands are the main packages of the release below github.com/tektoncd/pipeline/cmd/, as
// upstream's config/ references them with ko://.
var Commands = []string{
	"controller", "webhook", "entrypoint", "nop", "workingdirinit", "sidecarlogresults", "resolvers", "events",
}
