package main

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/scale"
)

// scaleRequest is one complete, checked request.
type scaleRequest struct {
	Namespace    string
	Deployment   string
	Replicas     int32
	DryRun       bool
	WaitForReady bool
}

// scaleResult says what the action found and did.
type scaleResult struct {
	scale.Result
	// Ready is status.readyReplicas when the action ended.
	Ready int32
}

// fieldManager names the action in managedFields, so `kubectl get -o yaml --show-managed-fields`
// shows who set the replicas.
const fieldManager = "kubernaut-scale-deployment"

// scaleDeployment sets the Deployment's replicas through the scale subresource (see package
// scale), then waits for the replicas when asked. A dry run waits for nothing.
func scaleDeployment(ctx context.Context, c kubernetes.Interface, req scaleRequest) (scaleResult, error) {
	ref := kube.Ref{Kind: "deployment", Namespace: req.Namespace, Name: req.Deployment}
	deployments := c.AppsV1().Deployments(req.Namespace)
	set, err := scale.Set(ctx, deployments, ref, req.Replicas, req.DryRun, fieldManager)
	if err != nil {
		return scaleResult{}, err
	}
	var d *appsv1.Deployment
	if req.WaitForReady && !req.DryRun {
		d, err = waitForReplicas(ctx, deployments, ref, req.Replicas)
	} else {
		d, err = deployments.Get(ctx, req.Deployment, metav1.GetOptions{})
		if err != nil {
			err = kube.APIError(err, "get", ref)
		}
	}
	if err != nil {
		return scaleResult{}, err
	}
	return scaleResult{Result: set, Ready: d.Status.ReadyReplicas}, nil
}
