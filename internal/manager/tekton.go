package manager

import (
	"context"
	"errors"
	"fmt"
	"time"

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
// (tekton.dev/v1). It is asked at start, when the watches are set up (a watch of a kind the API
// server does not know fails the manager), and then again every TektonRecheckInterval by
// tektonWatch, which stops the manager when the answer changes. Until then workflows routed to
// Tekton run on Jobs, with reason TektonUnavailable saying why.
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

// ErrTektonChanged ends the manager when Tekton's CRDs were installed or removed after it
// started. The engines and the watches are set up once, at start, so the manager stops; the
// Deployment's restart sets them up again for the cluster as it now is.
var ErrTektonChanged = errors.New("Tekton's CRDs were installed or removed after the manager started")

// tektonWatch asks the API server every interval whether it serves Tekton's kinds, and returns
// ErrTektonChanged (which stops the manager) when the answer differs from the one at start. A
// failed question is logged and asked again: an API server that is briefly unavailable is not a
// reason to restart. It runs on every replica, leader or not.
type tektonWatch struct {
	cfg       *rest.Config
	installed bool
	interval  time.Duration
}

// Start implements manager.Runnable.
func (w tektonWatch) Start(ctx context.Context) error {
	log := ctrl.Log.WithName("tekton-watch")
	ticker := time.NewTicker(w.interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		installed, err := tektonCRDsInstalled(w.cfg)
		if err != nil {
			log.Error(err, "Could not ask whether Tekton is installed; asking again later")
			continue
		}
		if installed != w.installed {
			log.Info("Tekton's CRDs changed since start; stopping so that the restarted manager sets up its engines again",
				"installedAtStart", w.installed, "installedNow", installed)
			return fmt.Errorf("%w (installed at start: %t, now: %t)", ErrTektonChanged, w.installed, installed)
		}
	}
}

// NeedLeaderElection implements manager.LeaderElectionRunnable: every replica must restart.
func (tektonWatch) NeedLeaderElection() bool { return false }
