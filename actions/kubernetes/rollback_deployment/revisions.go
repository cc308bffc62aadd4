package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

// RevisionAnnotation is where the Deployment controller numbers a Deployment and each of its
// ReplicaSets: a ReplicaSet's revision is the Deployment revision whose pod template it runs.
const RevisionAnnotation = "deployment.kubernetes.io/revision"

// revisionOf returns the revision annotation of an object, 0 when it has none or it is not a
// number (which the Deployment controller never writes).
func revisionOf(meta metav1.ObjectMeta) int64 {
	v, err := strconv.ParseInt(meta.Annotations[RevisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// replicaSetsByRevision lists the ReplicaSets that d controls, by their revision. They are
// found by d's selector and kept only when their controller reference is d (by UID), because
// another workload's ReplicaSets may carry the same labels.
func replicaSetsByRevision(ctx context.Context, c kubernetes.Interface, d *appsv1.Deployment, ref kube.Ref) (map[int64]*appsv1.ReplicaSet, error) {
	selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("%s has an invalid selector: %w", ref, err)
	}
	list, err := c.AppsV1().ReplicaSets(d.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, kube.APIError(err, "list the replicasets of", ref)
	}
	byRevision := map[int64]*appsv1.ReplicaSet{}
	for i := range list.Items {
		rs := &list.Items[i]
		owner := metav1.GetControllerOf(rs)
		if owner == nil || owner.UID != d.UID {
			continue
		}
		if rev := revisionOf(rs.ObjectMeta); rev > 0 {
			byRevision[rev] = rs
		}
	}
	return byRevision, nil
}

// pickRevision returns the ReplicaSet to roll back to: the one of revision want, or for want 0
// the previous revision, which is the second highest (as kubectl counts: the highest is the
// Deployment's current template).
func pickRevision(byRevision map[int64]*appsv1.ReplicaSet, want int64, ref kube.Ref) (*appsv1.ReplicaSet, error) {
	revisions := make([]int64, 0, len(byRevision))
	for rev := range byRevision {
		revisions = append(revisions, rev)
	}
	slices.Sort(revisions)
	if want == 0 {
		if len(revisions) < 2 {
			return nil, fmt.Errorf("%s has no previous revision to roll back to (its revisions: %s); "+
				"older ReplicaSets may have been removed by spec.revisionHistoryLimit", ref, list(revisions))
		}
		want = revisions[len(revisions)-2]
	}
	rs, ok := byRevision[want]
	if !ok {
		return nil, fmt.Errorf("%s has no revision %d; its revisions are %s", ref, want, list(revisions))
	}
	return rs, nil
}

// list renders revisions for a message: "1, 2, 3", or "none".
func list(revisions []int64) string {
	if len(revisions) == 0 {
		return "none"
	}
	parts := make([]string, len(revisions))
	for i, rev := range revisions {
		parts[i] = strconv.FormatInt(rev, 10)
	}
	return strings.Join(parts, ", ")
}
