package tekton

import (
	"fmt"
	"slices"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubernaut/kubernaut/internal/actionjob"
)

// stepTaskSpec is the Task a step runs: MetaTaskSpec, plus for a step with credentials one
// secret volume per credential and its read-only mount in the action's step, built by the
// same actionjob.CredentialVolumes as the Job engine's, so the action finds its files at the
// same paths (/var/run/secrets/kubernaut/<name>/) on both engines.
//
// The meta-Task cannot declare the mounts itself: a Task fixes its volume mounts, and a
// workspace bound to a projected volume can put a Secret's keys under a directory only by
// listing them, while the controller never reads a Secret to learn its keys. Steps without
// credentials embed MetaTaskSpec unchanged, the Task shipped in config/tekton.
func stepTaskSpec(s *Step) pipelinev1.TaskSpec {
	spec := MetaTaskSpec()
	volumes, mounts := actionjob.CredentialVolumes(s.Credentials)
	if len(volumes) == 0 {
		return spec
	}
	spec.Volumes = append(spec.Volumes, volumes...)
	spec.Steps[0].VolumeMounts = append(spec.Steps[0].VolumeMounts, mounts...)
	return spec
}

// checkCredentials checks a step's credential bindings: names are DNS-1123 labels (they become
// directories), Secret names DNS-1123 subdomains, in sorted order for stable messages.
func checkCredentials(at string, s *Step, fail func(field, format string, args ...any)) {
	names := make([]string, 0, len(s.Credentials))
	for name := range s.Credentials {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		field := fmt.Sprintf("%s.credentials[%q]", at, name)
		for _, msg := range validation.IsDNS1123Label(name) {
			fail(field, "credential name %q: %s", name, msg)
		}
		for _, msg := range validation.IsDNS1123Subdomain(s.Credentials[name]) {
			fail(field, "Secret name %q: %s", s.Credentials[name], msg)
		}
	}
}
