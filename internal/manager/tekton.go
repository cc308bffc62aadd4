package manager

import (
	"fmt"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/controller/workflowexecution"
)

// tektonCRDsInstalled reports whether the API server serves Tekton's PipelineRuns and TaskRuns
// (tekton.dev/v1). It is asked once, at start: the watches are set up then, and a watch of a
// kind the API server does not know fails the manager. Installing Tekton later takes a restart
// of the manager; until then workflows routed to Tekton run on Jobs, with reason
// TektonUnavailable saying why.
func tektonCRDsInstalled(cfg *rest.Config) (bool, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return false, fmt.Errorf("creating a discovery client: %w", err)
	}
	resources, err := dc.ServerResourcesForGroupVersion(pipelinev1.SchemeGroupVersion.String())
	if apierrors.IsNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("asking the API server whether it serves %s: %w", pipelinev1.SchemeGroupVersion, err)
	}
	served := map[string]bool{}
	for _, r := range resources.APIResources {
		served[r.Name] = true
	}
	return served["pipelineruns"] && served["taskruns"], nil
}

// engines are the workflow engines this manager runs: jobs always, tekton when installed.
func engines(mgr ctrl.Manager, tektonInstalled bool) map[workflowv1alpha1.Engine]workflowexecution.Engine {
	e := map[workflowv1alpha1.Engine]workflowexecution.Engine{
		workflowv1alpha1.EngineJobs: &workflowexecution.JobEngine{
			Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Clock: clock.RealClock{},
		},
	}
	if tektonInstalled {
		e[workflowv1alpha1.EngineTekton] = &workflowexecution.TektonEngine{
			Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Clock: clock.RealClock{},
		}
	}
	ctrl.Log.WithName("setup").Info("Workflow engines", "jobs", true, "tekton", tektonInstalled)
	return e
}
