// Package settings holds the controller that keeps the controller settings (ConfigMap
// kubernaut-config in the controller's namespace, DESIGN D2) current: it parses the ConfigMap on
// every change and publishes the result to the settings Store that the workflow controller loads
// on every reconcile, so a change applies within seconds and without a restart.
//
// An invalid ConfigMap never takes effect: the last good settings stay in force, and a Warning
// event on the ConfigMap and a log line say which key is wrong. An absent ConfigMap means the
// defaults.
package settings

import (
	"context"
	"errors"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	ksettings "github.com/kubernaut/kubernaut/internal/settings"
)

// ControllerName names the controller in logs, metrics and events.
const ControllerName = "settings"

// InvalidSettingsReason is the reason of the Warning event on an invalid kubernaut-config.
const InvalidSettingsReason = "InvalidSettings"

// Reconciler publishes the settings of ConfigMap kubernaut-config to Store.
type Reconciler struct {
	// Client reads ConfigMaps through the manager's cache (which holds the controller
	// namespace's only).
	Client client.Client
	// Namespace is the controller's namespace, where kubernaut-config lives.
	Namespace string
	// Store receives the settings; the workflow controller loads them from it.
	Store *ksettings.Store
	// Recorder emits the Warning event on an invalid ConfigMap.
	Recorder events.EventRecorder
	// Overrides are settings given on the manager's command line (--setting key=value); they
	// win over the ConfigMap's keys (DESIGN D2: flags override).
	Overrides map[string]string
}

// Reconcile implements reconcile.Reconciler: absent ConfigMap → defaults; valid → its settings;
// invalid → keep the last good settings and say why. An invalid ConfigMap is not retried: only
// an edit can fix it, and the edit is the next event.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	logger := log.FromContext(ctx)
	cm := &corev1.ConfigMap{}
	err := r.Client.Get(ctx, req.NamespacedName, cm)
	switch {
	case apierrors.IsNotFound(err):
		s, err := ksettings.Parse(r.Overrides)
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("the manager's --setting flags: %w", err)
		}
		r.publish(ctx, s, "ConfigMap absent; using the defaults and the --setting flags")
		return ctrl.Result{}, nil
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("reading ConfigMap %s: %w", req.NamespacedName, err)
	}
	s, err := ksettings.Parse(WithOverrides(cm.Data, r.Overrides))
	if err != nil {
		logger.Error(err, "Rejected invalid settings; the last good settings stay in force")
		if r.Recorder != nil {
			r.Recorder.Eventf(cm, nil, corev1.EventTypeWarning, InvalidSettingsReason, "Parse",
				"Rejected: %v; the last good settings stay in force", err)
		}
		return ctrl.Result{}, nil
	}
	r.publish(ctx, s, "Applied settings")
	return ctrl.Result{}, nil
}

// publish sets s as the current settings, logging only a change (resyncs repeat the same data).
func (r *Reconciler) publish(ctx context.Context, s ksettings.Settings, msg string) {
	if equality.Semantic.DeepEqual(r.Store.Load(), s) {
		return
	}
	r.Store.Set(s)
	log.FromContext(ctx).Info(msg, "maxParallelSteps", s.MaxParallelSteps, "stepTimeout", s.StepTimeout,
		"workflowTimeout", s.WorkflowTimeout, "tektonEnabled", s.Tekton.Enabled)
}

// SetupWithManager registers the reconciler for ConfigMap kubernaut-config of the controller's
// namespace only.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&corev1.ConfigMap{}, builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			return o.GetNamespace() == r.Namespace && o.GetName() == ksettings.ConfigMapName
		}))).
		Complete(r)
}

// Initial reads the settings once, before the manager's cache runs, so that the first
// reconciles of a starting manager already use the configured settings rather than the
// defaults. An absent ConfigMap gives the defaults; an invalid one gives the defaults and the
// error to report (the manager still starts, and the reconciler reports it again as an event).
//
// overrides (--setting flags) win over the ConfigMap; they must be valid on their own, which the
// manager checks before it starts (ValidateOverrides).
func Initial(ctx context.Context, reader client.Reader, namespace string, overrides map[string]string) (ksettings.Settings, error) {
	flagsOnly, err := ksettings.Parse(overrides)
	if err != nil {
		return ksettings.Defaults(), fmt.Errorf("the manager's --setting flags: %w", err)
	}
	cm := &corev1.ConfigMap{}
	err = reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ksettings.ConfigMapName}, cm)
	switch {
	case apierrors.IsNotFound(err):
		return flagsOnly, nil
	case err != nil:
		return flagsOnly, fmt.Errorf("reading ConfigMap %s/%s: %w", namespace, ksettings.ConfigMapName, err)
	}
	s, err := ksettings.Parse(WithOverrides(cm.Data, overrides))
	if err != nil {
		return flagsOnly, errors.Join(fmt.Errorf("ConfigMap %s/%s is invalid; using the defaults and the --setting flags", namespace, ksettings.ConfigMapName), err)
	}
	return s, nil
}

// WithOverrides returns data with the keys of overrides replaced, leaving both maps unchanged.
func WithOverrides(data, overrides map[string]string) map[string]string {
	merged := make(map[string]string, len(data)+len(overrides))
	maps.Copy(merged, data)
	maps.Copy(merged, overrides)
	return merged
}
